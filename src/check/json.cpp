#include "check/json.hpp"

#include "log/json.hpp"

namespace stepdown::check {

void JsonWriter::before_value() {
    if (after_key_) {
        after_key_ = false;
        return;
    }
    if (!first_.empty()) {
        if (!first_.back()) out_ += ',';
        first_.back() = false;
    }
}

JsonWriter& JsonWriter::open(char bracket) {
    before_value();
    out_ += bracket;
    first_.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
    out_ += bracket;
    first_.pop_back();
    return *this;
}

JsonWriter& JsonWriter::begin_object() { return open('{'); }
JsonWriter& JsonWriter::end_object() { return close('}'); }
JsonWriter& JsonWriter::begin_array() { return open('['); }
JsonWriter& JsonWriter::end_array() { return close(']'); }

JsonWriter& JsonWriter::key(std::string_view name) {
    before_value();
    out_ += '"';
    log::append_json_escaped(out_, name);
    out_ += "\":";
    after_key_ = true;
    return *this;
}

JsonWriter& JsonWriter::string(std::string_view v) {
    before_value();
    out_ += '"';
    log::append_json_escaped(out_, v);
    out_ += '"';
    return *this;
}

JsonWriter& JsonWriter::boolean(bool v) {
    before_value();
    out_ += v ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::number(std::int64_t v) {
    before_value();
    out_ += std::to_string(v);
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    out_ += "null";
    return *this;
}

JsonWriter& JsonWriter::string_array(std::string_view name, const std::vector<std::string>& v) {
    key(name).begin_array();
    for (const auto& s : v) string(s);
    return end_array();
}

JsonWriter& JsonWriter::number_array(std::string_view name, const std::vector<unsigned>& v) {
    key(name).begin_array();
    for (unsigned n : v) number(n);
    return end_array();
}

// ---------------------------------------------------------------- validator

namespace {

class Validator {
public:
    explicit Validator(std::string_view t) : t_(t) {}

    bool document(std::string* error) {
        ws();
        const bool ok = value(0) && (ws(), i_ == t_.size() || fail("trailing characters"));
        if (!ok && error != nullptr) *error = why_ + " at byte " + std::to_string(i_);
        return ok;
    }

private:
    static constexpr int max_depth = 256;

    bool fail(const char* why) {
        if (why_.empty()) why_ = why;
        return false;
    }
    [[nodiscard]] bool at_end() const { return i_ >= t_.size(); }
    [[nodiscard]] char peek() const { return at_end() ? '\0' : t_[i_]; }
    void ws() {
        while (!at_end() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\n' || t_[i_] == '\r')) ++i_;
    }
    bool literal(std::string_view word) {
        if (t_.substr(i_, word.size()) != word) return fail("invalid literal");
        i_ += word.size();
        return true;
    }

    bool value(int depth) {
        if (depth > max_depth) return fail("nested too deeply");
        switch (peek()) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': return literal("true");
            case 'f': return literal("false");
            case 'n': return literal("null");
            default: return number();
        }
    }

    bool object(int depth) {
        ++i_;
        ws();
        if (peek() == '}') return ++i_, true;
        while (true) {
            ws();
            if (peek() != '"') return fail("expected a string key");
            if (!string()) return false;
            ws();
            if (peek() != ':') return fail("expected ':'");
            ++i_;
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() == '}') return ++i_, true;
            return fail("expected ',' or '}'");
        }
    }

    bool array(int depth) {
        ++i_;
        ws();
        if (peek() == ']') return ++i_, true;
        while (true) {
            ws();
            if (!value(depth + 1)) return false;
            ws();
            if (peek() == ',') {
                ++i_;
                continue;
            }
            if (peek() == ']') return ++i_, true;
            return fail("expected ',' or ']'");
        }
    }

    static bool hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

    bool string() {
        ++i_;  // the opening quote
        while (true) {
            if (at_end()) return fail("unterminated string");
            const auto c = static_cast<unsigned char>(t_[i_]);
            if (c == '"') return ++i_, true;
            if (c < 0x20) return fail("raw control character in a string");
            if (c == '\\') {
                ++i_;
                const char e = peek();
                if (e == 'u') {
                    for (int k = 1; k <= 4; ++k)
                        if (i_ + static_cast<std::size_t>(k) >= t_.size() || !hex(t_[i_ + static_cast<std::size_t>(k)]))
                            return fail("bad \\u escape");
                    i_ += 5;
                    continue;
                }
                if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't')
                    return fail("bad escape");
                ++i_;
                continue;
            }
            if (c < 0x80) {
                ++i_;
                continue;
            }
            if (!utf8()) return fail("invalid UTF-8");
        }
    }

    bool utf8() {
        const auto b = [&](std::size_t k) { return static_cast<unsigned char>(t_[i_ + k]); };
        const unsigned char c = b(0);
        std::size_t len = 0;
        unsigned cp = 0, min = 0;
        if (c >= 0xc2 && c <= 0xdf) len = 2, cp = c & 0x1fU, min = 0x80;
        else if (c >= 0xe0 && c <= 0xef) len = 3, cp = c & 0x0fU, min = 0x800;
        else if (c >= 0xf0 && c <= 0xf4) len = 4, cp = c & 0x07U, min = 0x10000;
        else return false;
        if (i_ + len > t_.size()) return false;
        for (std::size_t k = 1; k < len; ++k) {
            if ((b(k) & 0xc0U) != 0x80U) return false;
            cp = (cp << 6) | (b(k) & 0x3fU);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i_ += len;
        return true;
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }

    bool number() {
        if (peek() == '-') ++i_;
        if (peek() == '0') {
            ++i_;
        } else if (digit(peek())) {
            while (digit(peek())) ++i_;
        } else {
            return fail("expected a value");
        }
        if (peek() == '.') {
            ++i_;
            if (!digit(peek())) return fail("bad fraction");
            while (digit(peek())) ++i_;
        }
        if (peek() == 'e' || peek() == 'E') {
            ++i_;
            if (peek() == '+' || peek() == '-') ++i_;
            if (!digit(peek())) return fail("bad exponent");
            while (digit(peek())) ++i_;
        }
        return true;
    }

    std::string_view t_;
    std::size_t i_ = 0;
    std::string why_;
};

}  // namespace

bool json_valid(std::string_view text, std::string* error) { return Validator(text).document(error); }

}  // namespace stepdown::check
