// The PostgreSQL backend of Store, on libpq: a writer and a reader
// connection to the database a connection URI names (several hosts and
// target_session_attrs=read-write follow a promoted standby). Statements are
// prepared once per connection; `?` placeholders become $1, $2...
#pragma once

#include <memory>
#include <string>

#include "tripmesh/runtime/store.h"

namespace tripmesh::runtime {

[[nodiscard]] Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& uri,
                                                               StoreOptions options);

}  // namespace tripmesh::runtime
