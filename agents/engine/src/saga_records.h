// The engine's saga table and every statement on it: engine_sagas, one row
// per saga the agent coordinates, with each participant's request and what
// it held (in the profile's encodings) in its `parts` column.
// engine_saga_parts is only read, for stores made before that column.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "tripmesh/base/result.h"
#include "tripmesh/engine/saga.h"
#include "tripmesh/runtime/store.h"

namespace tripmesh::engine::saga_records {

[[nodiscard]] Status CreateTables(runtime::Tx& tx);
// The saga's row, and its parts' rows `with_parts`.
[[nodiscard]] Status Save(runtime::Tx& tx, const SagaRecord& r, bool with_parts = true);
// Every saga (or every one not done), oldest first.
[[nodiscard]] Status SelectAll(runtime::Tx& tx, const std::function<void(SagaRecord)>& each,
                               bool unfinished_only = false);

// One saga, if the store has it.
[[nodiscard]] Status SelectOne(runtime::Tx& tx, const std::string& saga_id,
                               const std::function<void(SagaRecord)>& each);
// The sagas of `requester` (with `request_id`, that request's), oldest first.
[[nodiscard]] Status SelectOf(runtime::Tx& tx, const std::string& requester,
                              const std::optional<std::string>& request_id,
                              const std::function<void(SagaRecord)>& each);

}  // namespace tripmesh::engine::saga_records
