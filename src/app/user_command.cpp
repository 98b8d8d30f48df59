#include "app/user_command.h"

#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>

#include "storage/user_db.h"
#include "util/auth_crypto.h"

namespace vigil {
namespace {

// One line from stdin; on a terminal, prompted with echo off.
bool read_password(const std::string& prompt, std::string& out) {
  termios old{};
  const bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
  if (tty) {
    std::cerr << prompt << std::flush;
    termios quiet = old;
    quiet.c_lflag &= ~tcflag_t(ECHO);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  const bool ok = bool(std::getline(std::cin, out));
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::cerr << "\n";
  }
  if (!out.empty() && out.back() == '\r') out.pop_back();
  return ok;
}

bool new_password(std::string& out) {
  if (!read_password("Password: ", out)) {
    std::cerr << "vigil: no password given (stdin ended)\n";
    return false;
  }
  if (isatty(STDIN_FILENO)) {
    std::string again;
    if (!read_password("Repeat password: ", again) || again != out) {
      std::cerr << "vigil: the passwords differ\n";
      return false;
    }
  }
  if (out.size() < 8) {
    std::cerr << "vigil: the password must have at least 8 characters\n";
    return false;
  }
  return true;
}

}  // namespace

int run_user_command(const Config& cfg, const std::string& action, const std::string& name, const std::string& role) {
  if (!valid_username(name)) {
    std::cerr << "vigil: invalid user name (1-64 of letters, digits, _ . @ -)\n";
    return 2;
  }
  if (!valid_role(role)) {
    std::cerr << "vigil: --role must be admin or viewer\n";
    return 2;
  }
  try {
    std::error_code ec;
    std::filesystem::create_directories(std::filesystem::path(cfg.database_path).parent_path(), ec);
    UserDb db(cfg.database_path);
    if (action == "del") {
      if (!db.remove(name)) {
        std::cerr << "vigil: no user " << name << "\n";
        return 1;
      }
      std::cout << "user " << name << " removed\n";
      return 0;
    }
    const bool exists = db.find(name).has_value();
    if (action == "add" && exists) {
      std::cerr << "vigil: user " << name << " exists (change its password with `vigil user passwd`)\n";
      return 1;
    }
    if (action == "passwd" && !exists) {
      std::cerr << "vigil: no user " << name << "\n";
      return 1;
    }
    std::string password;
    if (!new_password(password)) return 1;
    const std::string hash = hash_password(password);
    if (action == "add" ? !db.add({name, role, hash}) : !db.set_password(name, hash)) {
      std::cerr << "vigil: user " << name << " changed meanwhile; nothing written\n";
      return 1;
    }
    std::cout << (action == "add" ? "user " + name + " added (" + role + ")" : "password of " + name + " changed")
              << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "vigil: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace vigil
