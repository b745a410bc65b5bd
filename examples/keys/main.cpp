// polymcp-keys: generate, check and use encryption keys for polymcp's cipher
// policy (docs/cipher.md).
//
//   polymcp-keys generate                 print a new key (Fernet format, 44 characters)
//   polymcp-keys encrypt [--aad DATA]     encrypt stdin with $POLYMCP_ENCRYPTION_KEYS, print the token
//   polymcp-keys decrypt [--aad DATA] [--ttl SECONDS]   decrypt the token on stdin
//   polymcp-keys rotate  [--aad DATA]     re-encrypt the token on stdin under the primary key
//
// POLYMCP_ENCRYPTION_KEYS holds "primary,older,..." keys. --cipher aes-gcm
// selects AES-256-GCM (which binds --aad) instead of Fernet.

#include <polymcp/crypto.hpp>

#include <iostream>
#include <iterator>
#include <string>

namespace crypto = polymcp::crypto;

template <class Cipher>
int run(const std::string& command, const std::string& aad, std::optional<long> ttl) {
    std::error_code ec;
    auto ring = crypto::key_ring<Cipher>::from_environment("POLYMCP_ENCRYPTION_KEYS", ec);
    if (ec) {
        std::cerr << "polymcp-keys: POLYMCP_ENCRYPTION_KEYS: " << ec.message() << "\n";
        return 2;
    }
    std::string input((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    std::string out;
    if (command == "encrypt") {
        out = ring->encrypt(input, aad, ec);
    } else if (command == "decrypt") {
        crypto::decrypt_options opt;
        if (ttl) opt.ttl = std::chrono::seconds(*ttl);
        out = ring->decrypt(input, aad, opt, ec);
    } else {
        out = ring->rotate(input, aad, ec);
    }
    crypto::detail::cleanse(input);
    if (ec) {
        // The message is fixed text: never the key, the token or the plaintext.
        std::cerr << "polymcp-keys: " << command << ": " << ec.message() << "\n";
        return 1;
    }
    std::cout << out << (command == "decrypt" ? "" : "\n");
    crypto::detail::cleanse(out);
    return 0;
}

int main(int argc, char** argv) {
    std::string command = argc > 1 ? argv[1] : "";
    std::string aad, cipher = "fernet";
    std::optional<long> ttl;
    for (int i = 2; i + 1 < argc; i += 2) {
        std::string flag = argv[i];
        if (flag == "--aad") aad = argv[i + 1];
        else if (flag == "--ttl") ttl = std::stol(argv[i + 1]);
        else if (flag == "--cipher") cipher = argv[i + 1];
    }
    if (command == "generate") {
        std::cout << crypto::fernet::generate_key().to_base64url() << "\n";
        return 0;
    }
    if (command != "encrypt" && command != "decrypt" && command != "rotate") {
        std::cerr << "usage: polymcp-keys generate | encrypt | decrypt | rotate [--aad DATA] [--ttl SECONDS] "
                     "[--cipher fernet|aes-gcm]\n";
        return 2;
    }
    return cipher == "aes-gcm" ? run<crypto::aes_256_gcm>(command, aad, ttl) : run<crypto::fernet>(command, aad, ttl);
}
