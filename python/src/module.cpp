// The _core module: the one exception translator, then each group of bindings.
#include <pybind11/pybind11.h>

#include <string>

#include "bindings.h"
#include "bindings_api.h"
#include "bindings_corpus.h"
#include "bindings_io.h"
#include "bindings_quant.h"
#include "bindings_s2v.h"
#include "bindings_serve.h"
#include "bindings_train.h"
#include "bindings_tune.h"
#include "errors.h"
#include "testing.h"

#include "sentvec/simd/kernels.h"

PYBIND11_MODULE(_core, mod) {
  mod.doc() = "sentvec C++ core";
  mod.def(
      "simd_level", [] { return std::string(sentvec::simd::active().name); },
      "The vector kernels in use: 'scalar' or 'avx2' (the best the CPU has, or SENTVEC_SIMD).");
  register_errors(mod);
  bind_model(mod);
  bind_io(mod);
  bind_serving(mod);
  bind_training(mod);
  bind_corpus(mod);
  bind_sent2vec(mod);
  bind_quantize(mod);
  bind_tune(mod);
  bind_api(mod);
  bind_testing(mod);
}
