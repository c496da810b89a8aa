#include "log/json.hpp"

#include <cstdint>

namespace stepdown::log {
namespace {

// Length of the valid UTF-8 sequence that starts text[i], or 0 when the
// bytes there are not one (overlong forms, surrogates and code points above
// U+10FFFF are invalid, as RFC 3629 says).
std::size_t utf8_length(std::string_view text, std::size_t i) {
    const auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
    const unsigned char c = b(0);
    std::size_t len = 0;
    std::uint32_t min = 0;
    std::uint32_t cp = 0;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2, min = 0x80, cp = c & 0x1fU;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3, min = 0x800, cp = c & 0x0fU;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4, min = 0x10000, cp = c & 0x07U;
    } else {
        return 0;
    }
    if (i + len > text.size()) return 0;
    for (std::size_t k = 1; k < len; ++k) {
        if ((b(k) & 0xc0U) != 0x80U) return 0;
        cp = (cp << 6) | (b(k) & 0x3fU);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    return len;
}

}  // namespace

void append_json_escaped(std::string& out, std::string_view text) {
    static constexpr char hex[] = "0123456789abcdef";
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            switch (c) {
                case '"': out += "\\\""; break;
                case '\\': out += "\\\\"; break;
                case '\n': out += "\\n"; break;
                case '\r': out += "\\r"; break;
                case '\t': out += "\\t"; break;
                case '\b': out += "\\b"; break;
                case '\f': out += "\\f"; break;
                default:
                    if (c < 0x20 || c == 0x7f) {
                        out += "\\u00";
                        out += hex[c >> 4];
                        out += hex[c & 0xf];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            ++i;
            continue;
        }
        const std::size_t len = utf8_length(text, i);
        if (len == 0) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        const std::string_view seq = text.substr(i, len);
        if (seq == "\xe2\x80\xa8") out += "\\u2028";
        else if (seq == "\xe2\x80\xa9") out += "\\u2029";
        else out += seq;
        i += len;
    }
}

std::string json_quote(std::string_view text) {
    std::string out = "\"";
    append_json_escaped(out, text);
    out += '"';
    return out;
}

}  // namespace stepdown::log
