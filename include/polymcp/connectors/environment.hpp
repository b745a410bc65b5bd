#ifndef POLYMCP_CONNECTORS_ENVIRONMENT_HPP
#define POLYMCP_CONNECTORS_ENVIRONMENT_HPP

/// @file polymcp/connectors/environment.hpp
/// The environment of a stdio upstream, the process the gateway starts for a
/// catalog server. A user never names an environment variable or an
/// argument of such a process: the administrator who declares the server
/// names, in its `credential_env`, the variables that carry a user's
/// credential, and each of those names is checked here against a refusal
/// list of variables that change how a program is loaded or interpreted.
///
/// The refusal list (`credential_env_refusal`), compared case-insensitively:
///
/// | rule | names |
/// |---|---|
/// | shape | 1 to 128 characters of `[A-Za-z0-9_]`, not starting with a digit |
/// | inherited | the names of `upstream_options::stdio_inherited_environment` (`PATH`, `HOME`, `LANG`, ...) |
/// | exact | `ENV`, `BASH_ENV`, `SHELL`, `SHELLOPTS`, `BASHOPTS`, `IFS`, `PS4`, `PROMPT_COMMAND`, `CDPATH`, `GLOBIGNORE`, `CLASSPATH`, `GCONV_PATH`, `LOCPATH`, `NLSPATH`, `HOSTALIASES`, `RESOLV_HOST_CONF`, `LOCALDOMAIN`, `RES_OPTIONS`, `TZDIR`, `TERM`, `TERMINFO`, `EDITOR`, `VISUAL`, `PAGER`, `BROWSER`, `PWD`, `LOGNAME`, `JAVA_TOOL_OPTIONS`, `RUBYOPT`, `RUBYLIB`, `PHPRC`, `PHP_INI_SCAN_DIR`, `GOFLAGS`, `GOROOT`, `GOPATH`, `GOENV`, `GOTOOLCHAIN`, `GOPROXY`, `RUSTFLAGS`, `KUBECONFIG`, `DOCKER_HOST`, `SSLKEYLOGFILE` |
/// | prefix | `LD_`, `DYLD_`, `MALLOC_`, `GLIBC_`, `LC_`, `XDG_`, `NODE_`, `NPM_`, `YARN_`, `PNPM_`, `DENO_`, `BUN_`, `PYTHON`, `PIP_`, `UV_`, `CONDA`, `VIRTUAL_ENV`, `PERL`, `RUBY`, `GEM_`, `BUNDLE_`, `JAVA`, `_JAVA`, `JDK_`, `MAVEN_`, `GRADLE_`, `GIT_`, `SSH_`, `GPG`, `BASH_`, `ZSH`, `LUA_`, `TCL`, `DOTNET_`, `COREHOST_`, `CORECLR_`, `COMPLUS_`, `MONO_`, `ASAN_`, `UBSAN_`, `LSAN_`, `MSAN_`, `TSAN_`, `OPENSSL_`, `SSL_`, `CURL_`, `REQUESTS_`, `AWS_CONFIG`, `AWS_SHARED`, `SYSTEMD_`, `DBUS_`, `POLYMCP_` |
/// | suffix | `_PATH`, `_FILE`, `_DIR`, `_HOME`, `_ROOT`, `_PRELOAD`, `_OPTIONS`, `_OPTS`, `_FLAGS`, `_CONFIG`, `_CONF`, `_PROXY`, `_ENV` |
///
/// A credential's variable is typically `GITHUB_TOKEN`, `BRAVE_API_KEY` or
/// `SLACK_BOT_TOKEN`: none of these rules refuses it.

#include <polymcp/core/config.hpp>

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace polymcp::connectors {

/// Why the environment variable `name` may not be one that carries a user's
/// credential (see the table above), or an empty string when it may.
/// @param name the variable's name
/// @param inherited the names a child inherits from the gateway
///        (`upstream_options::stdio_inherited_environment`), refused too
/// Thread-safe (pure).
POLYMCP_DECL std::string credential_env_refusal(std::string_view name,
                                                const std::vector<std::string>& inherited = {});

/// Whether `name` is an environment variable name a child can be given:
/// 1 to 128 characters of `[A-Za-z0-9_]`, not starting with a digit.
POLYMCP_DECL bool valid_env_name(std::string_view name) noexcept;

/// The environment of a stdio upstream, built in this order and from nothing
/// else: the gateway's own variables named in `inherited` (those it has),
/// then the server's `server_env`, then the user's `credential` variables,
/// each of which must be named in `declared` (the server's
/// `credential_env`) and pass `credential_env_refusal`.
/// @throws connector_error `invalid_request` naming the first variable of
///         `credential` that is not declared or is refused (its value is
///         never in the message)
POLYMCP_DECL std::map<std::string, std::string> child_environment(
    const std::vector<std::string>& inherited, const std::map<std::string, std::string>& server_env,
    const std::vector<std::string>& declared, const std::map<std::string, std::string>& credential);

}  // namespace polymcp::connectors

#if POLYMCP_HEADER_ONLY
#include <polymcp/connectors/impl/environment.ipp>
#endif

#endif
