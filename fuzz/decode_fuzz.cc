// libFuzzer target for one decoder, chosen at build time by TRIPMESH_FUZZ_TYPE.
// A decoder must never crash, hang or leak on any input, and whatever it
// accepts must survive an encode/decode round trip where an encoder exists.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "tripmesh/schemas/air.h"
#include "tripmesh/schemas/decode.h"
#include "tripmesh/schemas/encode.h"
#include "tripmesh/topics/topics.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
#ifdef TRIPMESH_FUZZ_TOPIC
  auto route = tripmesh::topics::ParseTopic(input);
  (void)tripmesh::topics::RequesterOf(input);
  if (route) (void)tripmesh::topics::ParseOp(route->name);
  if (route) (void)tripmesh::topics::ParseAdminOp(route->name);
#elif defined(TRIPMESH_FUZZ_CATALOGUE_CHANGE)
  // Every catalogue admin op reads the same bytes; what one accepts encodes
  // to a request the same op accepts again.
  for (auto op : tripmesh::schemas::kCatalogueOps) {
    auto decoded = tripmesh::schemas::DecodeCatalogueChange(op, input);
    if (!decoded) continue;
    auto again =
        tripmesh::schemas::DecodeCatalogueChange(op, tripmesh::schemas::Encode(op, *decoded));
    if (!again) __builtin_trap();
  }
  (void)tripmesh::schemas::PeekRequestId(input);
#else
  auto decoded = tripmesh::schemas::Decode<tripmesh::schemas::TRIPMESH_FUZZ_TYPE>(input);
  (void)decoded;
  (void)tripmesh::schemas::PeekType(input);
  (void)tripmesh::schemas::PeekRequestId(input);
  (void)tripmesh::schemas::PeekDeadline(input);
#endif
  return 0;
}
