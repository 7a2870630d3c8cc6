#include "json_fields.h"

#include <cmath>

namespace tripmesh::schemas::internal {

using simdjson::dom::element_type;

bool Fields::Get(std::string_view key, simdjson::dom::element& out, Need need) {
  if (error_) return false;
  if (obj_[key].get(out) != simdjson::SUCCESS || out.type() == element_type::NULL_VALUE) {
    if (need == kRequired) Fail(key, "is required");
    return false;
  }
  return true;
}

bool Fields::Str(std::string_view key, std::string& out, Need need, std::size_t max_len) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  std::string_view sv;
  if (el.get_string().get(sv) != simdjson::SUCCESS) {
    Fail(key, "expected a string");
    return false;
  }
  if (sv.empty() || sv.size() > max_len) {
    Fail(key, "expected a string of 1 to " + std::to_string(max_len) + " bytes");
    return false;
  }
  out.assign(sv);
  return true;
}

bool Fields::Num(std::string_view key, double& out, Need need, double min, double max) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  double v;
  if (!el.is_number() || el.get_double().get(v) != simdjson::SUCCESS || !std::isfinite(v)) {
    Fail(key, "expected a number");
    return false;
  }
  if (v < min || v > max) {
    Fail(key, "expected a number from " + std::to_string(min) + " to " + std::to_string(max));
    return false;
  }
  out = v;
  return true;
}

bool Fields::Num(std::string_view key, std::optional<double>& out, double min, double max) {
  double v;
  if (!Num(key, v, kOptional, min, max)) return false;
  out = v;
  return true;
}

bool Fields::Int(std::string_view key, std::int64_t& out, Need need, std::int64_t min,
                 std::int64_t max) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  std::int64_t v;
  if (el.get_int64().get(v) != simdjson::SUCCESS) {
    Fail(key, "expected an integer");
    return false;
  }
  if (v < min || v > max) {
    Fail(key, "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return false;
  }
  out = v;
  return true;
}

bool Fields::Bool(std::string_view key, bool& out, Need need) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  if (el.get_bool().get(out) != simdjson::SUCCESS) {
    Fail(key, "expected true or false");
    return false;
  }
  return true;
}

bool Fields::TimeField(std::string_view key, Time& out, Need need) {
  std::string text;
  if (!Str(key, text, need, 64)) return false;
  auto t = ParseTime(text);
  if (!t) {
    Fail(key, t.error().message);
    return false;
  }
  out = *t;
  return true;
}

bool Fields::TimeField(std::string_view key, std::optional<Time>& out) {
  Time t;
  if (!TimeField(key, t, kOptional)) return false;
  out = t;
  return true;
}

bool Fields::Object(std::string_view key, simdjson::dom::object& out, Need need) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  if (el.get_object().get(out) != simdjson::SUCCESS) {
    Fail(key, "expected an object");
    return false;
  }
  return true;
}

bool Fields::Array(std::string_view key, simdjson::dom::array& out, Need need,
                   std::size_t max_len) {
  simdjson::dom::element el;
  if (!Get(key, el, need)) return false;
  if (el.get_array().get(out) != simdjson::SUCCESS) {
    Fail(key, "expected an array");
    return false;
  }
  if (out.size() > max_len) {
    Fail(key, "expected at most " + std::to_string(max_len) + " elements");
    return false;
  }
  return true;
}

bool Fields::IntArray(std::string_view key, std::vector<std::int64_t>& out, Need need,
                      std::size_t max_len, std::int64_t min, std::int64_t max) {
  simdjson::dom::array arr;
  if (!Array(key, arr, need, max_len)) return false;
  out.clear();
  std::size_t i = 0;
  for (simdjson::dom::element el : arr) {
    std::int64_t v = 0;
    if (el.get_int64().get(v) != simdjson::SUCCESS || v < min || v > max) {
      Fail(std::string(key) + "[" + std::to_string(i) + "]",
           "expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return false;
    }
    out.push_back(v);
    ++i;
  }
  return true;
}

void Nested(Fields& f, std::string_view key, Need need, const std::function<void(Fields&)>& read) {
  simdjson::dom::object obj;
  if (!f.Object(key, obj, need)) return;
  Fields inner(obj, f.PathOf(key));
  read(inner);
  if (!inner.ok()) f.Adopt(inner.error());
}

bool Fields::StrArray(std::string_view key, std::vector<std::string>& out, Need need,
                      std::size_t max_len, std::size_t max_str) {
  simdjson::dom::array arr;
  if (!Array(key, arr, need, max_len)) return false;
  out.clear();
  std::size_t i = 0;
  for (simdjson::dom::element el : arr) {
    std::string_view sv;
    if (el.get_string().get(sv) != simdjson::SUCCESS || sv.empty() || sv.size() > max_str) {
      Fail(std::string(key) + "[" + std::to_string(i) + "]",
           "expected a string of 1 to " + std::to_string(max_str) + " bytes");
      return false;
    }
    out.emplace_back(sv);
    ++i;
  }
  return true;
}

void Fields::Type(std::string_view expected, Need need) {
  std::string type;
  if (!Str("type", type, need, 64)) return;
  if (type != expected) Fail("type", "expected \"" + std::string(expected) + "\"");
}

void Fields::Objects(std::string_view key, Need need, std::size_t max_len,
                     const std::function<void(Fields&)>& read) {
  simdjson::dom::array arr;
  if (!Array(key, arr, need, max_len)) return;
  std::size_t i = 0;
  for (simdjson::dom::element el : arr) {
    std::string path = PathOf(key) + "[" + std::to_string(i++) + "]";
    simdjson::dom::object obj;
    if (el.get_object().get(obj) != simdjson::SUCCESS) {
      if (!error_)
        error_ = Error{Errc::kInvalidRequest, "field '" + path + "': expected an object", path};
      return;
    }
    Fields inner(obj, path);
    read(inner);
    if (!inner.ok()) {
      Adopt(inner.error());
      return;
    }
  }
}

Status ReadObject(std::string_view json, const std::function<void(Fields&)>& read) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto err = parser.parse(json.data(), json.size()).get(doc); err != simdjson::SUCCESS) {
    return Fail(Errc::kInvalidJson,
                std::string("payload is not valid JSON: ") + simdjson::error_message(err));
  }
  simdjson::dom::object obj;
  if (doc.get_object().get(obj) != simdjson::SUCCESS) {
    return Fail(Errc::kInvalidJson, "payload must be one JSON object");
  }
  Fields fields(obj, "");
  read(fields);
  if (!fields.ok()) return tl::unexpected<Error>(fields.error());
  return {};
}

}  // namespace tripmesh::schemas::internal
