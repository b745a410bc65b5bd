#ifndef POLYMCP_GATEWAY_DATA_DIR_HPP
#define POLYMCP_GATEWAY_DATA_DIR_HPP

/// @file polymcp/gateway/data_dir.hpp
/// A gateway's data directory (its encryption key, its administrator key and
/// its SQLite records) and the secret files in it.

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace polymcp::gateway {

/// The file that marks a directory as a gateway's data directory.
inline constexpr const char* data_dir_marker = ".polymcp-gateway";

/// Makes `dir` a private data directory: creates it (mode 0700, with the
/// marker file) or takes one the gateway created before, and makes it 0700.
/// Never changes the mode of a directory the gateway did not create: it
/// refuses a symbolic link, a file, a directory of another user, and a
/// non-empty directory without the marker (or a private one with
/// `encryption.key`).
/// @throws std::runtime_error saying what is wrong and what to give instead
inline void prepare_data_dir(const std::filesystem::path& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto st = fs::symlink_status(dir, ec);
    if (!fs::exists(st)) {
        if (dir.has_parent_path() && !dir.parent_path().empty()) fs::create_directories(dir.parent_path());
        if (::mkdir(dir.c_str(), 0700) != 0)
            throw std::runtime_error("cannot create the data directory " + dir.string() + ": " + std::strerror(errno));
    } else {
        if (fs::is_symlink(st) || !fs::is_directory(st))
            throw std::runtime_error("the data directory " + dir.string() + " is not a directory (a link or a file)");
        struct stat info{};
        if (::stat(dir.c_str(), &info) != 0 || info.st_uid != ::geteuid())
            throw std::runtime_error("the data directory " + dir.string() + " belongs to another user; give a directory "
                                     "the gateway creates (a path that does not exist yet)");
        if (!fs::exists(dir / data_dir_marker)) {
            const bool empty = fs::is_empty(dir, ec) && !ec;
            const bool ours = (info.st_mode & 077) == 0 && fs::exists(dir / "encryption.key");
            if (!empty && !ours)
                throw std::runtime_error("the data directory " + dir.string() + " exists and was not created by the gateway "
                                         "(no " + data_dir_marker + " in it); give a path that does not exist yet, or an "
                                         "empty directory");
        }
        if ((info.st_mode & 077) != 0 && ::chmod(dir.c_str(), 0700) != 0)
            throw std::runtime_error("cannot make " + dir.string() + " private (mode 0700): " + std::strerror(errno));
    }
    if (!fs::exists(dir / data_dir_marker)) {
        std::ofstream marker(dir / data_dir_marker);
        marker << "This directory holds a polymcp gateway's keys and records; keep it private (mode 0700).\n";
        if (!marker) throw std::runtime_error("cannot write " + (dir / data_dir_marker).string());
    }
}

/// Reads the first line of the secret file `path`, or creates the file
/// (`O_EXCL`, mode 0600, synced) holding `make()`.
/// @return the secret, and whether it was created now
/// @throws std::runtime_error for an empty file, or one that cannot be created or written
inline std::pair<std::string, bool> secret_file(const std::filesystem::path& path,
                                                const std::function<std::string()>& make) {
    if (std::ifstream f(path); f) {
        std::string s;
        std::getline(f, s);
        if (s.empty()) throw std::runtime_error(path.string() + " is empty");
        return {s, false};
    }
    std::filesystem::create_directories(path.parent_path());
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) throw std::runtime_error("cannot create " + path.string() + ": " + std::strerror(errno));
    std::string s = make();
    std::string line = s + "\n";
    bool ok = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::fsync(fd);
    ::close(fd);
    if (!ok) throw std::runtime_error("cannot write " + path.string());
    return {s, true};
}

}  // namespace polymcp::gateway

#endif
