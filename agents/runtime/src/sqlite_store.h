// The SQLite backend of Store: one file in WAL mode, a writer and a reader
// connection, checkpoints on a thread of their own.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "tripmesh/runtime/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace tripmesh::runtime {

[[nodiscard]] Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                                             StoreOptions options);

}  // namespace tripmesh::runtime
