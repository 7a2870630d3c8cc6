// "Did you mean": the closest of some known names to a word a person typed.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tripmesh::core {

// Edit distance (insertions, deletions, substitutions, swaps of neighbours),
// case-insensitive.
std::size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word`, when it is close enough to be what was
// meant (at most a third of the word's letters off, and at least one);
// a candidate that starts with `word` counts as close.
std::optional<std::string> Closest(std::string_view word,
                                   const std::vector<std::string>& candidates);

// " (did you mean X?)" or "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tripmesh::core
