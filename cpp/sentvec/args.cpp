#include "args.h"

#include "errors.h"

namespace sentvec {

namespace {
void require(bool ok, const std::string& name, const std::string& range, const std::string& got) {
  if (!ok) throw ArgError("option '" + name + "' must be " + range + " (got " + got + ")");
}
}  // namespace

void Args::validate() const {
  require(dim >= 1 && dim <= 100000, "dim", "in [1, 100000]", std::to_string(dim));
  require(ws >= 1, "ws", ">= 1", std::to_string(ws));
  require(epoch >= 1, "epoch", ">= 1", std::to_string(epoch));
  require(min_count >= 1, "minCount", ">= 1", std::to_string(min_count));
  require(min_count_label >= 0, "minCountLabel", ">= 0", std::to_string(min_count_label));
  require(neg >= 1 && neg <= 10000, "neg", "in [1, 10000]", std::to_string(neg));
  require(word_ngrams >= 1 && word_ngrams <= 100, "wordNgrams", "in [1, 100]",
          std::to_string(word_ngrams));
  require(bucket >= 0, "bucket", ">= 0", std::to_string(bucket));
  require(minn >= 0, "minn", ">= 0", std::to_string(minn));
  require(maxn >= 0 && maxn <= 100, "maxn", "in [0, 100]", std::to_string(maxn));
  require(maxn == 0 || minn <= maxn, "minn", "<= maxn when maxn > 0", std::to_string(minn));
  require(maxn == 0 || minn >= 1, "minn", ">= 1 when maxn > 0", std::to_string(minn));
  require(lr_update_rate >= 1, "lrUpdateRate", ">= 1", std::to_string(lr_update_rate));
  require(t > 0 && t <= 1, "t", "in (0, 1]", std::to_string(t));
  require(lr > 0 && lr <= 100, "lr", "in (0, 100]", std::to_string(lr));
  require(thread >= 1 && thread <= 1024, "thread", "in [1, 1024]", std::to_string(thread));
  require(dropout_k >= 0, "dropoutK", ">= 0", std::to_string(dropout_k));
  require(verbose >= 0, "verbose", ">= 0", std::to_string(verbose));
  require(!label.empty(), "label", "a non-empty prefix", "''");
  const int32_t l = static_cast<int32_t>(loss);
  require(l >= 1 && l <= 4, "loss", "one of 'ns', 'hs', 'softmax', 'ova'", std::to_string(l));
  require(loss != LossName::kOva || model == ModelName::kSupervised, "loss",
          "'ns', 'hs' or 'softmax' for an unsupervised model ('ova' needs labels)", "'ova'");
  require(max_line_tokens >= 1, "maxLineTokens", ">= 1", std::to_string(max_line_tokens));
}

const char* model_name_str(ModelName m) {
  switch (m) {
    case ModelName::kCbow: return "cbow";
    case ModelName::kSkipgram: return "skipgram";
    case ModelName::kSupervised: return "supervised";
    case ModelName::kSent2vec: return "sent2vec";
  }
  return "unknown";
}

const char* loss_name_str(LossName l) {
  switch (l) {
    case LossName::kHs: return "hs";
    case LossName::kNs: return "ns";
    case LossName::kSoftmax: return "softmax";
    case LossName::kOva: return "ova";
  }
  return "unknown";
}

const char* scheme_name_str(NgramScheme s) {
  switch (s) {
    case NgramScheme::kFasttext: return "fasttext";
    case NgramScheme::kSent2vec: return "sent2vec";
    case NgramScheme::kSentvec: return "sentvec";
  }
  return "unknown";
}

NgramScheme scheme_from_str(const std::string& s) {
  if (s == "fasttext") return NgramScheme::kFasttext;
  if (s == "sent2vec") return NgramScheme::kSent2vec;
  if (s == "sentvec") return NgramScheme::kSentvec;
  throw ArgError("scheme must be one of 'sentvec', 'sent2vec', 'fasttext' (got '" + s + "')");
}

}  // namespace sentvec
