#include "bindings_train.h"

void bind_training(pybind11::module_& mod) { (void)mod; }
