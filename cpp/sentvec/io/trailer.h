// sentvec's trailer: the options a .bin header cannot hold (the sent2vec n-gram scheme, the
// label prefix, lr, seed, ...), written after the output matrix.
//
// Layout (version 2):  "SENTVEC\0" | int32 version | int64 payload length | payload |
//                      uint32 FNV-1a of the payload
// The payload is "key=value\n" lines. Version 1 (sentvec before the checksum) has no checksum
// and is still read. A file whose bytes after the output matrix start like the magic is ours:
// a cut or edited trailer is then a FormatError (naming the field and offset), never a silent
// fall-back to defaults; after a sent2vec model any other bytes are too. No bytes at all means
// no trailer, as fastText and sent2vec write.
//
// gensim refuses any byte after the output matrix, so a trailer is written only when the model
// needs one: a sent2vec model sentvec trained (its n-gram scheme), or a value that differs from
// what a file without a trailer loads as (trailer_implied). A fastText-kind model trained with
// default options gets none, and a file read without a trailer is re-saved byte-identical.
#pragma once
#include <string>

#include "../model.h"
#include "cursor.h"

namespace sentvec {

/// Reads the bytes after the output matrix (the cursor stands there): sentvec's trailer into
/// `m`, or anything else kept as m.unknown_trailer for an identical re-save.
void read_trailer(Cursor& c, Model& m);

/// The trailer bytes for `m`: its unknown trailer when it was loaded with one, an empty string
/// when nothing needs a trailer, or a version-2 trailer.
std::string trailer_bytes(const Model& m);

/// Sets the trailer's options to what a file without a trailer implies for this model kind
/// (fastText's own defaults; sent2vec's scheme and "</s>" n-grams for a sent2vec model).
void trailer_implied(Model& m);

}  // namespace sentvec
