#include "query/functions/builtin_functions.h"

namespace furl::query {

void registerBuiltinFunctions(FunctionRegistry& registry) {
  registerArithmeticFunctions(registry);
  registerComparisonFunctions(registry);
  registerConditionalFunctions(registry);
  registerConversionFunctions(registry);
  registerDateFunctions(registry);
  registerJsonFunctions(registry);
  registerRegexpFunctions(registry);
  registerSketchFunctions(registry);
  registerStringFunctions(registry);
}

}  // namespace furl::query
