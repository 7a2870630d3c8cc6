// Parsing the command line, and usage errors as one line that names the
// wrong word, with "did you mean" where a known word is close.
#include <cstdio>

#include "commands.h"
#include "tripmesh/core/suggest.h"

namespace tripmesh::cli {
namespace {

// The deepest subcommand the words selected.
const CLI::App* Deepest(const CLI::App& app) {
  const CLI::App* at = &app;
  for (auto subs = at->get_subcommands(); !subs.empty(); subs = at->get_subcommands()) {
    at = subs.front();
  }
  return at;
}

std::string Path(const CLI::App* app) {
  std::string path;
  for (; app && app->get_parent(); app = app->get_parent()) {
    path.insert(0, path.empty() ? app->get_name() : app->get_name() + " ");
  }
  return path.empty() ? "tripmesh" : "tripmesh " + path;
}

std::vector<std::string> OptionNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app; app = app->get_parent()) {
    for (const CLI::Option* o : app->get_options()) {
      for (const auto& n : o->get_lnames()) names.push_back("--" + n);
    }
  }
  return names;
}

std::vector<std::string> SubcommandNames(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands({})) names.push_back(sub->get_name());
  return names;
}

int UsageError(const std::string& what, const CLI::App* at) {
  std::fprintf(stderr, "tripmesh: %s; see %s --help\n", what.c_str(), Path(at).c_str());
  return kUsageError;
}

// The first word nothing took: an unknown option or subcommand.
std::optional<int> ExplainExtra(const CLI::App* at) {
  for (const CLI::App* app = at; app; app = app->get_parent()) {
    auto extra = app->remaining();
    if (extra.empty()) continue;
    const std::string& word = extra.front();
    if (!word.empty() && word.front() == '-') {
      std::string name = word.substr(0, word.find('='));
      return UsageError("unknown option " + name + core::DidYouMean(name, OptionNames(at)), at);
    }
    auto subs = SubcommandNames(at);
    if (!subs.empty()) {
      return UsageError("unknown subcommand " + word + core::DidYouMean(word, subs), at);
    }
    return UsageError("unexpected argument " + word, at);
  }
  return std::nullopt;
}

}  // namespace

int Parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return -1;
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const CLI::App* at = Deepest(app);
    if (auto code = ExplainExtra(at)) return *code;
    std::string what = e.what();
    if (what.rfind("A subcommand is required", 0) == 0 || what.rfind("A subcommand", 0) == 0) {
      std::string subs;
      for (const auto& s : SubcommandNames(at)) subs += (subs.empty() ? "" : ", ") + s;
      return UsageError("a subcommand is required: " + subs, at);
    }
    return UsageError(what, at);
  }
}

}  // namespace tripmesh::cli
