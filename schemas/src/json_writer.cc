#include "json_writer.h"

#include <cmath>

#include "tripmesh/base/time.h"

namespace tripmesh::schemas::internal {

JsonWriter& JsonWriter::Num(std::string_view key, double v, int decimals) {
  Key(key);
  if (!std::isfinite(v)) v = 0;  // JSON has no NaN or infinity
  fmt::format_to(std::back_inserter(buf_), "{:.{}f}", v, decimals);
  // Drop trailing zeros so 2.50 reads 2.5 and 3.0 reads 3.
  if (decimals > 0) {
    while (buf_.size() > 0 && buf_.data()[buf_.size() - 1] == '0') buf_.resize(buf_.size() - 1);
    if (buf_.data()[buf_.size() - 1] == '.') buf_.resize(buf_.size() - 1);
  }
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::Time(std::string_view key, std::int64_t t) {
  return Str(key, FormatTime(t));
}

JsonWriter& JsonWriter::Quoted(std::string_view v) {
  buf_.push_back('"');
  for (char c : v) {
    switch (c) {
      case '"':
        Raw("\\\"");
        break;
      case '\\':
        Raw("\\\\");
        break;
      case '\n':
        Raw("\\n");
        break;
      case '\r':
        Raw("\\r");
        break;
      case '\t':
        Raw("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(buf_), "\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          buf_.push_back(c);
        }
    }
  }
  buf_.push_back('"');
  need_comma_ = true;
  return *this;
}

}  // namespace tripmesh::schemas::internal
