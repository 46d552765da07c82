// Opening a text input (a training corpus, a test file, a file to embed).
//
// Policy: every path the library reads text from must be a regular file, as model files must
// be (fasttext_io's Mapping). Training reads its corpus several times and from several offsets
// (one per thread), which a FIFO or a device cannot give; and a single-pass reader on a device
// (/dev/zero) or on a FIFO nobody writes to would never end or never start. The file is opened
// with O_NONBLOCK so that a FIFO without a writer is rejected at once instead of blocking the
// open(2) call (where Ctrl-C could not reach Python). To read a pipe, pass its lines through
// the API (predict / embed_sentences on a list) or use the command line's '-' (standard input).
#pragma once
#include <string>

namespace sentvec {

/// Opens `path` for reading and returns its descriptor (blocking mode, close-on-exec). Throws
/// IoError naming `what` ("training corpus", "test file", ...): ENOENT and the like from the
/// system, EISDIR for a directory, EINVAL for a FIFO, socket or device.
int open_input_file(const std::string& path, const std::string& what);

}  // namespace sentvec
