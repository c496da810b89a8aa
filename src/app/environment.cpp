#include "app/environment.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace stepdown::app {

std::vector<std::string> passthrough(char* const envp[]) {
    std::vector<std::string> out;
    for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) out.emplace_back(*e);
    return out;
}

std::vector<std::string> app_environment(char* const envp[], const std::optional<std::string>& name,
                                         const std::optional<std::string>& home) {
    struct Replaced {
        std::string_view name;
        std::optional<std::string> entry;  // nullopt: removed
        bool placed = false;
    };
    const std::string home_value = home && !home->empty() ? *home : "/";
    std::array<Replaced, 3> replaced{{
        {"HOME", "HOME=" + home_value},
        {"USER", name ? std::optional<std::string>("USER=" + *name) : std::nullopt},
        {"LOGNAME", name ? std::optional<std::string>("LOGNAME=" + *name) : std::nullopt},
    }};
    std::vector<std::string> out;
    for (char* const* e = envp; e != nullptr && *e != nullptr; ++e) {
        const std::string_view entry = *e;
        const std::string_view key = entry.substr(0, entry.find('='));
        Replaced* match = nullptr;
        for (auto& r : replaced) {
            if (key == r.name && entry.size() > key.size()) match = &r;
        }
        if (match == nullptr) {
            out.emplace_back(entry);
            continue;
        }
        if (!match->placed && match->entry) out.push_back(*match->entry);
        match->placed = true;
    }
    for (auto& r : replaced) {
        if (!r.placed && r.entry) out.push_back(std::move(*r.entry));
    }
    return out;
}

}  // namespace stepdown::app
