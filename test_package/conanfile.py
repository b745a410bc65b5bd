"""Builds a small MCP server against the polymcp package and speaks MCP to it."""

import json
import os
from io import StringIO

from conan import ConanFile
from conan.tools.build import can_run
from conan.tools.cmake import CMake, CMakeToolchain, cmake_layout


class PolymcpTestConan(ConanFile):
    settings = "os", "arch", "compiler", "build_type"
    generators = "CMakeDeps", "VirtualRunEnv"
    test_type = "explicit"

    def requirements(self):
        self.requires(self.tested_reference_str)

    def layout(self):
        cmake_layout(self)

    def generate(self):
        tc = CMakeToolchain(self)
        tc.cache_variables["POLYMCP_COMPILED"] = bool(self.dependencies["polymcp"].options.compiled)
        tc.generate()

    def build(self):
        cmake = CMake(self)
        cmake.configure()
        cmake.build()

    def test(self):
        if not can_run(self):
            return
        server = os.path.join(self.cpp.build.bindir, "test_package")
        requests = [
            {"jsonrpc": "2.0", "id": 1, "method": "initialize",
             "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                        "clientInfo": {"name": "test_package", "version": "1"}}},
            {"jsonrpc": "2.0", "method": "notifications/initialized"},
            {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
             "params": {"name": "add", "arguments": {"a": 2, "b": 40}}},
        ]
        stdin = os.path.join(self.build_folder, "requests.jsonl")
        with open(stdin, "w") as f:
            f.write("".join(json.dumps(r) + "\n" for r in requests))
        out = StringIO()
        self.run(f'"{server}" < "{stdin}"', env="conanrun", stdout=out)
        answers = {a.get("id"): a for a in map(json.loads, out.getvalue().splitlines()) if a.get("id")}
        assert answers[1]["result"]["serverInfo"]["name"] == "test_package", answers
        assert answers[2]["result"]["structuredContent"] == {"sum": 42}, answers
        self.output.success("test_package: initialize and tools/call answered; add(2, 40) = 42")
