"""Conan 2 recipe for polymcp.

Header-only by default (package_type "header-library": one package for every
configuration). With ``compiled=True`` it builds the separately compiled parts
(docs/compile-time.md) into static libraries, and the package then depends on
the settings. Each CMake target of polymcp is a component that requires only
its own dependencies; the ``with_*`` options choose the optional parts.

Offline (no remote), the dependencies Debian provides are declared in a
profile's ``[platform_requires]``: see ``conan/profiles/debian12``.
"""

import os

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
import re

required_conan_version = ">=2.0"


class PolymcpConan(ConanFile):
    name = "polymcp"
    description = "Header-only, policy-based C++20 framework for the Model Context Protocol (MCP)"
    license = "NOASSERTION"  # the repository states no license yet
    topics = ("mcp", "model-context-protocol", "json-rpc", "header-only", "asio")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    options = {
        "compiled": [True, False],         # the separately compiled parts, as static libraries
        "with_crypto": [True, False],      # polymcp::crypto: cipher policies and JWT, on OpenSSL
        "with_http": [True, False],        # polymcp::http and ::https: HTTP server, Streamable HTTP, TLS
        "with_http_client": [True, False], # polymcp::client_http, ::jwks, ::connectors: libcurl
        "with_sqlite": [True, False],      # polymcp::sqlite storage
        "with_redis": [True, False],       # polymcp::redis storage, on hiredis
        "with_postgres": [True, False],    # polymcp::postgres storage, on libpq
    }
    default_options = {
        "compiled": False,
        "with_crypto": True,
        "with_http": True,
        "with_http_client": True,
        "with_sqlite": True,
        "with_redis": False,
        "with_postgres": False,
    }
    exports_sources = ("CMakeLists.txt", "cmake/*", "include/*", "LICENSE*")
    no_copy_source = True

    def set_version(self):
        text = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        self.version = re.search(r"project\(polymcp VERSION ([0-9.]+)", text).group(1)

    def configure(self):
        if self.options.compiled:
            self.package_type = "static-library"

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Headers in the public interface: transitive_headers.
        self.requires("boost/[>=1.74 <2]", transitive_headers=True)
        self.requires("nlohmann_json/[>=3.10 <4]", transitive_headers=True)
        self.requires("asio/[>=1.22 <2]", transitive_headers=True)
        if self.options.with_crypto or self.options.with_http:
            self.requires("openssl/[>=3 <4]", transitive_headers=True)
        if self.options.with_http:
            self.requires("http_parser/[>=2.9 <3]", transitive_headers=True)
        if self.options.with_http_client:
            self.requires("libcurl/[>=7.85 <9]", transitive_headers=True)
        if self.options.with_sqlite:
            self.requires("sqlite3/[>=3.35 <4]", transitive_headers=True)
        if self.options.with_redis:
            self.requires("hiredis/[>=0.14 <2]", transitive_headers=True)
        if self.options.with_postgres:
            self.requires("libpq/[>=12]", transitive_headers=True)

    def package_id(self):
        if not self.info.options.compiled:
            # Headers only: the same files for every configuration; the
            # options change only which components package_info declares.
            self.info.clear()

    def validate(self):
        if self.settings.compiler.get_safe("cppstd"):
            check_min_cppstd(self, 20)
        if self.options.with_http and not self.options.with_crypto:
            raise ConanInvalidConfiguration("polymcp:with_http needs polymcp:with_crypto (base64 and TLS on OpenSSL)")
        if self.options.with_http_client and not self.options.with_http:
            raise ConanInvalidConfiguration("polymcp:with_http_client needs polymcp:with_http "
                                            "(its OAuth redirect listener is polymcp's HTTP server)")

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["POLYMCP_BUILD_TESTS"] = False
        tc.cache_variables["POLYMCP_BUILD_EXAMPLES"] = False
        tc.cache_variables["POLYMCP_BUILD_BENCHMARKS"] = False
        tc.cache_variables["POLYMCP_BUILD_COMPILED"] = bool(self.options.compiled)
        tc.cache_variables["POLYMCP_WITH_CRYPTO"] = bool(self.options.with_crypto)
        tc.cache_variables["POLYMCP_WITH_HTTP"] = bool(self.options.with_http)
        tc.cache_variables["POLYMCP_WITH_HTTP_CLIENT"] = bool(self.options.with_http_client)
        tc.cache_variables["POLYMCP_WITH_SQLITE"] = bool(self.options.with_sqlite)
        tc.cache_variables["POLYMCP_WITH_REDIS"] = bool(self.options.with_redis)
        tc.cache_variables["POLYMCP_WITH_POSTGRES"] = bool(self.options.with_postgres)
        tc.generate()

    def build(self):
        if self.options.compiled:
            cmake = CMake(self)
            cmake.configure()
            cmake.build()

    def package(self):
        copy(self, "LICENSE*", self.source_folder, os.path.join(self.package_folder, "licenses"))
        if self.options.compiled:
            CMake(self).install()
            rmdir(self, os.path.join(self.package_folder, "lib", "cmake"))  # CMakeDeps writes the config
        else:
            copy(self, "*", os.path.join(self.source_folder, "include"), os.path.join(self.package_folder, "include"))

    # What a component links for a dependency the profile resolves as a
    # platform package ([platform_requires]: installed by the system, with no
    # Conan package and so no cpp_info): its system libraries and the include
    # folder the system puts outside the default search path.
    _platform_links = {
        "openssl::crypto": (["crypto"], []),
        "openssl::ssl": (["ssl", "crypto"], []),
        "http_parser::http_parser": (["http_parser"], []),
        "libcurl::curl": (["curl"], []),
        "sqlite3::sqlite3": (["sqlite3"], []),
        "hiredis::hiredis": (["hiredis"], []),
        "libpq::pq": (["pq"], ["/usr/include/postgresql"]),
    }

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "polymcp")
        self.cpp_info.set_property("cmake_target_name", "polymcp::polymcp_all")
        o = self.options
        packaged = {require.ref.name for require, _ in self.dependencies.host.items()}  # not platform ones

        def component(name, requires, libs=None, defines=None):
            c = self.cpp_info.components[name]
            c.set_property("cmake_target_name", f"polymcp::{name}")
            c.bindirs = []
            c.libdirs = ["lib"] if libs else []
            c.libs = libs or []
            c.defines = defines or []
            c.requires = []
            for r in requires:
                if "::" not in r or r.split("::")[0] in packaged:
                    c.requires.append(r)
                elif r in self._platform_links:
                    system_libs, includedirs = self._platform_links[r]
                    c.system_libs += system_libs
                    c.includedirs += includedirs
            return c

        core = component("polymcp", ["boost::headers", "nlohmann_json::nlohmann_json", "asio::asio"],
                         defines=["ASIO_STANDALONE", "ASIO_NO_DEPRECATED"])
        if self.settings.os in ("Linux", "FreeBSD"):
            core.system_libs = ["pthread"]
        if self.settings.compiler == "clang":
            core.defines.append("ASIO_HAS_CO_AWAIT=1")  # Asio enables C++20 co_await for clang only with this
        if o.with_crypto:
            component("crypto", ["polymcp", "openssl::crypto"])
        if o.with_http:
            component("http", ["polymcp", "http_parser::http_parser", "openssl::crypto"])
            component("https", ["http", "openssl::ssl"])
        if o.with_http_client:
            component("jwks", ["crypto", "libcurl::curl"])
            component("client_http", ["http", "crypto", "libcurl::curl"])
            component("connectors", ["client_http"])
        if o.with_sqlite:
            component("sqlite", ["polymcp", "sqlite3::sqlite3"])
        if o.with_redis:
            component("redis", ["polymcp", "hiredis::hiredis"])
        if o.with_postgres:
            component("postgres", ["polymcp", "libpq::pq"])
        if o.compiled:
            component("compiled", ["polymcp"], libs=["polymcp"],
                      defines=["POLYMCP_SEPARATE_COMPILATION", "ASIO_SEPARATE_COMPILATION"])
            if o.with_crypto:
                component("crypto_compiled", ["crypto", "compiled"], libs=["polymcp_crypto_compiled"])
            if o.with_http:
                component("http_compiled", ["http", "crypto_compiled"], libs=["polymcp_http_compiled"])
                component("https_compiled", ["https", "http_compiled"], libs=["polymcp_https_compiled"])
            if o.with_http_client:
                component("client_http_compiled", ["client_http", "http_compiled"],
                          libs=["polymcp_client_http_compiled"])
                component("connectors_compiled", ["connectors", "client_http_compiled"],
                          libs=["polymcp_connectors_compiled"])
