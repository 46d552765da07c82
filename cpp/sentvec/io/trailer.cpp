#include "trailer.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "../hashing.h"
#include "../utf8.h"

namespace sentvec {

namespace {

constexpr char kMagic[8] = {'S', 'E', 'N', 'T', 'V', 'E', 'C', '\0'};
constexpr int32_t kVersion = 2;
constexpr size_t kHeaderBytes = 8 + 4 + 8;

// One key=value line of the payload and where its value starts in the file.
struct Field {
  std::string value;
  size_t at = 0;
};

// Whole-string decimal parses (std::stoi would accept "12abc" and " 12").
bool parse_int(const std::string& s, int64_t lo, int64_t hi, int64_t* out) {
  if (s.empty() || s.size() > 20 || !(s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))) return false;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno || *end || v < lo || v > hi) return false;
  *out = v;
  return true;
}

bool parse_u64(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || s[0] < '0' || s[0] > '9') return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  if (errno || *end) return false;
  *out = v;
  return true;
}

// Splits the payload into fields; `at` is the payload's offset in the file.
std::map<std::string, Field> split_payload(const Cursor& c, const std::string& payload, size_t at) {
  std::map<std::string, Field> fields;
  size_t pos = 0;
  while (pos < payload.size()) {
    size_t eol = payload.find('\n', pos);
    if (eol == std::string::npos) c.fail_at(at + pos, "sentvec trailer: the last line has no newline");
    std::string line = payload.substr(pos, eol - pos);
    size_t eq = line.find('=');
    if (eq == std::string::npos || eq == 0)
      c.fail_at(at + pos, "sentvec trailer: line '" + printable(line) + "' is not key=value");
    std::string key = line.substr(0, eq);
    if (fields.count(key)) c.fail_at(at + pos, "sentvec trailer: field '" + printable(key) + "' appears twice");
    fields[key] = Field{line.substr(eq + 1), at + pos + eq + 1};
    pos = eol + 1;
  }
  return fields;
}

[[noreturn]] void bad_value(const Cursor& c, const std::string& key, const Field& f,
                            const char* expected) {
  c.fail_at(f.at, "sentvec trailer: invalid value '" + printable(f.value) + "' for field '" + key +
                      "' (expected " + expected + ")");
}

// An option's value parsed strictly by its table type (std::stoi would accept "12abc").
bool parse_option(const OptionSpec& o, const std::string& text, OptionValue* out) {
  switch (o.type) {
    case OptType::kInt: {
      int64_t v = 0;
      if (!parse_int(text, INT32_MIN, INT32_MAX, &v)) return false;
      *out = v;
      return true;
    }
    case OptType::kSeed: {
      uint64_t v = 0;
      if (!parse_u64(text, &v)) return false;
      *out = v;
      return true;
    }
    case OptType::kReal: {
      char* end = nullptr;
      const double v = std::strtod(text.c_str(), &end);
      if (text.empty() || *end || !std::isfinite(v)) return false;
      *out = v;
      return true;
    }
    case OptType::kText:
    case OptType::kPath: *out = text; return true;
  }
  return false;
}

// A trailer option: parsed by its type, checked by the option table's range or choices (the
// same rule as training), plus what a label prefix must be to ever match a token.
void apply_option(const Cursor& c, const OptionSpec& o, const Field& f, Model& m) {
  OptionValue v;
  if (!parse_option(o, f.value, &v)) bad_value(c, o.name, f, o.range_text().c_str());
  try {
    o.check(v);
  } catch (const ArgError&) {
    bad_value(c, o.name, f, o.range_text().c_str());
  }
  if (std::string(o.name) == "label") {
    if (f.value.empty()) bad_value(c, o.name, f, "a non-empty label prefix");
    if (!valid_utf8(f.value)) bad_value(c, o.name, f, "UTF-8 text");
    if (f.value.find_first_of(" \t\r\v\f") != std::string::npos)
      bad_value(c, o.name, f, "a prefix without whitespace");
  }
  o.set(m.args, v);
}

// One rule per field, each naming its field and the offset of its value. Option keys come
// from the option table (args.h); the format version and eos_subwords are the trailer's own.
void apply_field(const Cursor& c, const std::string& key, const Field& f, Model& m) {
  if (key == "sentvec_format") {
    if (f.value != "1") bad_value(c, key, f, "1");
  } else if (key == "storage") {
    if (f.value != "float16") bad_value(c, key, f, "float16");
    m.trailer_float16 = true;
  } else if (key == "eos_subwords") {
    if (f.value != "0" && f.value != "1") bad_value(c, key, f, "0 or 1");
    m.eos_subwords = f.value == "1";
  } else if (const OptionSpec* o = find_option(key); o && o->trailer_slot >= 0 && key == o->name) {
    apply_option(c, *o, f, m);
  } else {
    c.fail_at(f.at - key.size() - 1, "sentvec trailer: unknown field '" + printable(key) + "'");
  }
}

std::string make_payload(const Model& m) {
  return "sentvec_format=1\n" + m.args.trailer_lines() +
         "eos_subwords=" + (m.eos_subwords ? "1" : "0") + "\n" +
         (m.input.half() ? "storage=float16\n" : "");
}

// The magic, version and length, checked field by field; returns the payload length.
int64_t read_header(Cursor& c, int32_t* version) {
  if (c.remaining() < kHeaderBytes)
    c.fail("damaged sentvec trailer: " + std::to_string(c.remaining()) +
           " bytes after the output matrix begin like its magic but its header needs " +
           std::to_string(kHeaderBytes) + " (the file was cut)");
  c.skip(8, "trailer magic");
  const size_t version_at = c.offset();
  *version = c.get<int32_t>("trailer version");
  if (*version != 1 && *version != kVersion)
    c.fail_at(version_at, "damaged sentvec trailer: version " + std::to_string(*version) +
                              " (expected 1 or 2)");
  const size_t length_at = c.offset();
  const int64_t len = c.get<int64_t>("trailer length");
  const uint64_t expect = c.remaining() - (*version >= 2 ? std::min<size_t>(c.remaining(), 4) : 0);
  if (len < 0 || static_cast<uint64_t>(len) != expect || (*version >= 2 && c.remaining() < 4))
    c.fail_at(length_at, "damaged sentvec trailer: its length field says " + std::to_string(len) +
                             " bytes but " + std::to_string(expect) +
                             " follow (the file was cut or edited)");
  return len;
}

}  // namespace

void read_trailer(Cursor& c, Model& m) {
  if (c.remaining() == 0) return;
  const size_t probe = std::min<size_t>(c.remaining(), 8);
  if (std::memcmp(c.here(), kMagic, probe) != 0) {
    // Neither fastText nor sent2vec writes anything here. For a sent2vec model such bytes can
    // only be a damaged trailer (ignoring it would switch the n-gram scheme); after a fastText
    // model they are another tool's, kept for an identical re-save.
    if (m.is_sent2vec())
      c.fail("damaged sentvec trailer: " + std::to_string(c.remaining()) +
             " bytes after the output matrix of a sent2vec model do not start with its magic");
    m.unknown_trailer.assign(reinterpret_cast<const char*>(c.here()), c.remaining());
    return;
  }
  int32_t version = 0;
  const int64_t len = read_header(c, &version);
  const size_t payload_at = c.offset();
  std::string payload(reinterpret_cast<const char*>(c.here()), static_cast<size_t>(len));
  c.skip(static_cast<size_t>(len), "trailer payload");
  if (version >= 2) {
    const size_t sum_at = c.offset();
    const uint32_t sum = c.get<uint32_t>("trailer checksum");
    if (sum != fnv1a32(payload))
      c.fail_at(sum_at, "damaged sentvec trailer: checksum mismatch (the trailer was edited)");
  }
  for (const auto& kv : split_payload(c, payload, payload_at)) apply_field(c, kv.first, kv.second, m);
  m.has_sentvec_trailer = true;
}

void trailer_implied(Model& m) {
  // What a file without a trailer means: the option table's file defaults (args.h: Args()).
  const Args file_defaults;
  for (const OptionSpec& o : option_table())
    if (o.trailer_slot >= 0) o.set(m.args, o.get(file_defaults));
  if (m.args.model == ModelName::kSent2vec) m.args.scheme = NgramScheme::kSent2vec;
  // Files from before the magic number come from a fastText that gave "</s>" char n-grams too
  // (gensim, their only remaining reader, composes it that way); sent2vec's dictionary does too.
  m.eos_subwords = m.legacy || m.args.model == ModelName::kSent2vec;
}

std::string trailer_bytes(const Model& m) {
  if (!m.unknown_trailer.empty() && !m.input.half()) return m.unknown_trailer;
  const std::string payload = make_payload(m);
  // A sent2vec model sentvec trained or loaded with a trailer always carries its scheme, so a
  // cut at the trailer is an error rather than a silent switch to sent2vec's scheme; one read
  // from an official sent2vec file is re-saved byte-identical.
  if (!(m.is_sent2vec() && m.has_sentvec_trailer) && !m.input.half()) {
    // The thread count is how the model was trained, not what it is: alone it needs no trailer.
    Model implied_model;
    implied_model.args.model = m.args.model;
    implied_model.legacy = false;  // the writer always writes a magic and version
    trailer_implied(implied_model);
    Model same;
    same.args = m.args;
    same.args.thread = implied_model.args.thread;
    same.eos_subwords = m.eos_subwords;
    if (make_payload(same) == make_payload(implied_model)) return std::string();
  }
  std::string out(kMagic, 8);
  const int32_t version = kVersion;
  const int64_t len = static_cast<int64_t>(payload.size());
  const uint32_t sum = fnv1a32(payload);
  out.append(reinterpret_cast<const char*>(&version), 4);
  out.append(reinterpret_cast<const char*>(&len), 8);
  out += payload;
  out.append(reinterpret_cast<const char*>(&sum), 4);
  return out;
}

}  // namespace sentvec
