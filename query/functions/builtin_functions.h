#pragma once

// Registration entry points of the scalar function families; each .cpp in
// query/functions registers its own functions and aliases.

#include "query/function.h"

namespace furl::query {

void registerArithmeticFunctions(FunctionRegistry& registry);
void registerComparisonFunctions(FunctionRegistry& registry);
void registerConditionalFunctions(FunctionRegistry& registry);
void registerConversionFunctions(FunctionRegistry& registry);
void registerDateFunctions(FunctionRegistry& registry);
void registerJsonFunctions(FunctionRegistry& registry);
void registerRegexpFunctions(FunctionRegistry& registry);
void registerSketchFunctions(FunctionRegistry& registry);
void registerStringFunctions(FunctionRegistry& registry);

}  // namespace furl::query
