// The engine's saga tables and every statement on them: engine_sagas (one
// row per saga the agent coordinates) and engine_saga_parts (each
// participant's request and what it held, in the profile's encodings).
#pragma once

#include <functional>

#include "tripmesh/base/result.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::engine::saga_records {

[[nodiscard]] Status CreateTables(runtime::Tx& tx);
// The saga's row and its parts' rows.
[[nodiscard]] Status Save(runtime::Tx& tx, const SagaRecord& r);
// Every saga, oldest first.
[[nodiscard]] Status SelectAll(runtime::Tx& tx, const std::function<void(SagaRecord)>& each);

}  // namespace tripmesh::engine::saga_records
