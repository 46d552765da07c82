// Reading and writing fastText / sent2vec model files (.bin, .ftz) and word vectors (.vec):
// the facade over cpp/sentvec/io/, one file per concept:
//   io/mapping      read-only mapping of a whole file (random-access advice for matrices)
//   io/atomic_file  the one way every output file is written (temporary + rename, special
//                   targets in place, one permission rule, leftover cleanup)
//   io/cursor       bounds-checked reading with field names and byte offsets
//   io/bin_reader   .bin/.ftz reading, one function per section
//   io/trailer      sentvec's trailer (checked, checksummed, written only when needed)
//   io/bin_writer   .bin/.ftz writing
//   io/vec_io       .vec text and word2vec binary vectors
#pragma once

#include "io/atomic_file.h"
#include "io/bin_reader.h"
#include "io/bin_writer.h"
#include "io/mapping.h"
#include "io/vec_io.h"
