#include "json_writer.h"
#include "tripmesh/schemas/check.h"

namespace tripmesh::schemas {

std::string Encode(const CheckResult& m) {
  auto w = internal::Typed("check.result");
  w.Str("profile", m.profile).Bool("consistent", m.consistent());
  w.BeginObject("counts");
  for (const auto& [what, n] : m.counts) w.Int(what, n);
  w.End().BeginArray("findings");
  for (const auto& f : m.findings)
    w.BeginObject().Str("kind", f.kind).Str("detail", f.detail).End();
  w.EndArray().BeginArray("unchecked");
  for (const auto& c : m.unchecked) w.Str(c);
  return w.EndArray().End().Take();
}

}  // namespace tripmesh::schemas
