// A small JSON writer for stepdown --check --json, and a strict validator
// (RFC 8259, UTF-8) that the report runs over its own output before printing
// it and that the tests use. Strings go through log::append_json_escaped, so
// every byte of a path, an /etc line or a server's answer stays valid JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace stepdown::check {

class JsonWriter {
public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view name);
    JsonWriter& string(std::string_view v);
    JsonWriter& boolean(bool v);
    JsonWriter& number(std::int64_t v);
    JsonWriter& null();

    // key + value shorthands
    JsonWriter& field(std::string_view name, std::string_view v) { return key(name).string(v); }
    JsonWriter& field(std::string_view name, const char* v) { return key(name).string(v); }
    JsonWriter& field(std::string_view name, const std::string& v) { return key(name).string(v); }
    JsonWriter& field(std::string_view name, bool v) { return key(name).boolean(v); }
    JsonWriter& field(std::string_view name, std::int64_t v) { return key(name).number(v); }
    JsonWriter& field(std::string_view name, int v) { return key(name).number(v); }
    JsonWriter& field(std::string_view name, unsigned v) { return key(name).number(v); }
    JsonWriter& string_array(std::string_view name, const std::vector<std::string>& v);
    JsonWriter& number_array(std::string_view name, const std::vector<unsigned>& v);

    [[nodiscard]] const std::string& text() const { return out_; }

private:
    void before_value();
    JsonWriter& open(char bracket);
    JsonWriter& close(char bracket);
    std::string out_;
    std::vector<bool> first_;  // per open container: no element written yet
    bool after_key_ = false;
};

// Whether text is exactly one valid JSON value (surrounding whitespace
// allowed). On failure *error says what and at which byte.
bool json_valid(std::string_view text, std::string* error = nullptr);

}  // namespace stepdown::check
