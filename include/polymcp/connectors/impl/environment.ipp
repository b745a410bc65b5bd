#ifndef POLYMCP_CONNECTORS_IMPL_ENVIRONMENT_IPP
#define POLYMCP_CONNECTORS_IMPL_ENVIRONMENT_IPP

// Definitions for polymcp/connectors/environment.hpp.

#include <polymcp/connectors/environment.hpp>
#include <polymcp/connectors/error.hpp>

#include <algorithm>
#include <cstdlib>

namespace polymcp::connectors {

namespace detail {

inline std::string upper(std::string_view s) {
    std::string out(s);
    for (auto& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

inline bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace detail

bool valid_env_name(std::string_view name) noexcept {
    if (name.empty() || name.size() > 128 || (name.front() >= '0' && name.front() <= '9')) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::string credential_env_refusal(std::string_view name, const std::vector<std::string>& inherited) {
    using namespace detail;
    if (!valid_env_name(name))
        return "an environment variable name is 1 to 128 characters of A-Z a-z 0-9 _, not starting with a digit";
    const auto n = upper(name);
    for (const auto& i : inherited)
        if (upper(i) == n) return "the child inherits " + std::string(name) + " from the gateway";
    static constexpr std::string_view exact[] = {
        "ENV",        "BASH_ENV",   "SHELL",    "SHELLOPTS",     "BASHOPTS",         "IFS",          "PS4",
        "PROMPT_COMMAND", "CDPATH", "GLOBIGNORE", "CLASSPATH",   "GCONV_PATH",       "LOCPATH",      "NLSPATH",
        "HOSTALIASES", "RESOLV_HOST_CONF", "LOCALDOMAIN", "RES_OPTIONS", "TZDIR",    "TERM",         "TERMINFO",
        "EDITOR",     "VISUAL",     "PAGER",    "BROWSER",       "PWD",              "LOGNAME",      "JAVA_TOOL_OPTIONS",
        "RUBYOPT",    "RUBYLIB",    "PHPRC",    "PHP_INI_SCAN_DIR", "GOFLAGS",       "GOROOT",       "GOPATH",
        "GOENV",      "GOTOOLCHAIN", "GOPROXY", "RUSTFLAGS",     "KUBECONFIG",       "DOCKER_HOST",  "SSLKEYLOGFILE",
        "PATH",       "HOME",       "USER",     "LANG",          "LANGUAGE",         "TZ",           "TMPDIR"};
    for (auto e : exact)
        if (n == e) return std::string(name) + " changes how programs start or behave";
    static constexpr std::string_view prefixes[] = {
        "LD_",    "DYLD_",  "MALLOC_", "GLIBC_",  "LC_",     "XDG_",    "NODE_",    "NPM_",      "YARN_",
        "PNPM_",  "DENO_",  "BUN_",    "PYTHON",  "PIP_",    "UV_",     "CONDA",    "VIRTUAL_ENV", "PERL",
        "RUBY",   "GEM_",   "BUNDLE_", "JAVA",    "_JAVA",   "JDK_",    "MAVEN_",   "GRADLE_",   "GIT_",
        "SSH_",   "GPG",    "BASH_",   "ZSH",     "LUA_",    "TCL",     "DOTNET_",  "COREHOST_", "CORECLR_",
        "COMPLUS_", "MONO_", "ASAN_",  "UBSAN_",  "LSAN_",   "MSAN_",   "TSAN_",    "OPENSSL_",  "SSL_",
        "CURL_",  "REQUESTS_", "AWS_CONFIG", "AWS_SHARED", "SYSTEMD_", "DBUS_", "POLYMCP_"};
    for (auto p : prefixes)
        if (n.rfind(p, 0) == 0)
            return "variables starting with " + std::string(p) + " change how programs are loaded, interpreted or configured";
    static constexpr std::string_view suffixes[] = {"_PATH",  "_FILE",  "_DIR",   "_HOME", "_ROOT", "_PRELOAD", "_OPTIONS",
                                                    "_OPTS",  "_FLAGS", "_CONFIG", "_CONF", "_PROXY", "_ENV"};
    for (auto s : suffixes)
        if (ends_with(n, s))
            return "variables ending in " + std::string(s) + " name files, directories, options or proxies, not credentials";
    return {};
}

std::map<std::string, std::string> child_environment(const std::vector<std::string>& inherited,
                                                     const std::map<std::string, std::string>& server_env,
                                                     const std::vector<std::string>& declared,
                                                     const std::map<std::string, std::string>& credential) {
    std::map<std::string, std::string> env;
    for (const auto& name : inherited)
        if (const char* v = std::getenv(name.c_str())) env[name] = v;
    for (const auto& [k, v] : server_env) env[k] = v;
    for (const auto& [k, v] : credential) {
        if (std::find(declared.begin(), declared.end(), k) == declared.end())
            throw connector_error(errc::invalid_request,
                                  "the server does not take a credential in the environment variable '" + k + "'" +
                                      (declared.empty() ? std::string("; it declares none (credential_env)")
                                                        : "; it takes one of its credential_env"));
        if (auto why = credential_env_refusal(k, inherited); !why.empty())
            throw connector_error(errc::invalid_request,
                                  "the environment variable '" + k + "' cannot carry a credential: " + why);
        if (v.find('\0') != std::string::npos)
            throw connector_error(errc::invalid_request, "the credential for '" + k + "' contains a NUL byte");
        env[k] = v;
    }
    return env;
}

}  // namespace polymcp::connectors

#endif
