#include "validation.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "errors.h"
#include "line_reader.h"
#include "model.h"
#include "tokenizer.h"

namespace sentvec {

ValidationSet read_validation(const std::string& path, const std::string& label_prefix,
                              const std::function<void()>& check, const std::string& option,
                              bool terminate_last) {
  ValidationSet v;
  LineReader r(path, "validation file");
  std::string_view line;
  while (r.next(line)) {
    v.lines.emplace_back(line);
    if (terminate_last && v.lines.back().back() != '\n') v.lines.back().push_back('\n');
    for_each_token(line, [&](std::string_view tok) {
      if (tok.rfind(label_prefix, 0) != 0) ++v.words;
      return true;
    });
    if (check && (v.lines.size() & 4095) == 0) check();
  }
  if (v.lines.empty()) throw ArgError("option '" + option + "': " + path + " is empty");
  return v;
}

Meter evaluate(const Model& m, const ValidationSet& v, int32_t k, bool curves,
               const std::function<void()>& check) {
  Meter meter(m.dict.nlabels(), curves);
  std::vector<int32_t> words, labels;
  LineScratch scratch;
  for (size_t i = 0; i < v.lines.size(); ++i) {
    if (check && (i & 511) == 511) check();
    m.dict.supervised_line(v.lines[i], words, labels, scratch);
    if (labels.empty() || words.empty()) continue;
    meter.log(labels, m.predict_features(words, k, 0.f));
  }
  return meter;
}

EpochFigures score_validation(const Model& m, const ValidationSet& v, int32_t epoch) {
  EpochFigures f;
  f.epoch = epoch;
  Meter meter(m.dict.nlabels(), false);
  std::vector<int32_t> words, labels;
  std::unordered_map<int32_t, float> logp;
  LineScratch scratch;
  double loss = 0;
  for (const std::string& line : v.lines) {
    m.dict.supervised_line(line, words, labels, scratch);
    if (labels.empty() || words.empty()) continue;
    meter.log(labels, m.predict_features(words, 1, 0.f));
    // Every label's log(p + 1e-5): the gold ones give the line's loss.
    logp.clear();
    for (const auto& [lp, id] : m.predict_features(words, m.dict.nlabels(), 0.f)) logp[id] = lp;
    double line_loss = 0;
    for (int32_t g : labels) {
      auto it = logp.find(g);
      line_loss -= it != logp.end() ? it->second : std::log(1e-5f);
    }
    loss += line_loss / static_cast<double>(labels.size());
    ++f.examples;
  }
  f.precision = meter.precision();
  f.recall = meter.recall();
  f.loss = f.examples ? loss / static_cast<double>(f.examples) : std::nan("");
  return f;
}

void check_validation_usable(const Model& m, const ValidationSet& v, const std::string& path) {
  std::vector<int32_t> words, labels;
  LineScratch scratch;
  for (const std::string& line : v.lines) {
    m.dict.supervised_line(line, words, labels, scratch);
    if (!labels.empty() && !words.empty()) return;
  }
  throw ArgError("option 'validation': no line of " + path +
                 " has both a label and a word of the training dictionary (labels start with '" +
                 m.args.label + "')");
}

}  // namespace sentvec
