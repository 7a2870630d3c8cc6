// Prices are quoted in whole cents of their currency.
#pragma once

#include <cmath>

namespace tripmesh::core {

inline double RoundToCents(double amount) { return std::round(amount * 100) / 100; }

}  // namespace tripmesh::core
