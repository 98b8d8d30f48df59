// vigil: a network video recorder with object detection, Frigate 0.8 compatible.
#include <malloc.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/app.h"
#include "app/user_command.h"
#include "config/config.h"
#include "detect/checked_config.h"
#include "storage/media_check.h"
#include "util/log.h"

namespace {

// --config, then CONFIG_FILE, then ./config.yml, then /config/config.yml (config.md §1).
std::string find_config(const std::string& flag, std::string* tried) {
  std::vector<std::string> candidates;
  if (!flag.empty())
    candidates = {flag};
  else if (const char* env = std::getenv("CONFIG_FILE"); env && *env)
    candidates = {env};
  else
    candidates = {"./config.yml", "/config/config.yml"};
  for (const auto& c : candidates) {
    *tried += (tried->empty() ? "" : ", ") + c;
    if (access(c.c_str(), R_OK) == 0) return c;
  }
  return "";
}

// glibc gives threads up to 8 malloc arenas per core; each keeps what its threads freed,
// in holes it rarely returns. With vigil's many threads that is tens of MB of resident
// size that keeps growing (bench/soak, 2 cameras, 10 min: 41 MB free inside the arenas
// and RSS 210 MB with the default; 11 MB and 185 MB with one arena per core;
// docs/architecture.md §Memory). A user's own MALLOC_ARENA_MAX or GLIBC_TUNABLES wins.
void limit_malloc_arenas() {
  if (std::getenv("MALLOC_ARENA_MAX") || std::getenv("GLIBC_TUNABLES")) return;
  const long cores = sysconf(_SC_NPROCESSORS_ONLN);
  mallopt(M_ARENA_MAX, int(cores < 2 ? 2 : cores));
}

// `vigil check`: one line per finding, a summary; exit 0 clean, 1 found something, 3
// refused (--fix while vigil runs).
int run_check(const vigil::Config& cfg, bool fix) {
  const int lock = vigil::lock_media_dir(cfg.media_dir);
  if (lock < 0) {
    if (fix) {
      std::cerr << "vigil check: vigil is running on " << cfg.media_dir << " (" << cfg.media_dir
                << "/.vigil.lock is held): stop it before --fix\n";
      return 3;
    }
    std::cerr << "vigil check: warning: vigil is running; segments being written or moved may show up\n";
  }
  const vigil::CheckReport r = vigil::check_media(cfg, fix, [fix](const vigil::CheckFinding& f) {
    std::cout << f.kind << " " << f.what << ": " << f.detail << (fix ? (f.fixed ? " [fixed]" : " [NOT fixed]") : "")
              << "\n";
  });
  std::cout << "vigil check: " << r.segments_checked << " segments read, " << r.findings.size() << " problems"
            << (fix ? ", " + std::to_string(r.findings.size() - size_t(r.fix_errors)) + " fixed" : " (dry run)")
            << "\n";
  if (lock >= 0) ::close(lock);
  return r.findings.empty() ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  limit_malloc_arenas();  // before any thread exists
  CLI::App cli{"vigil: network video recorder with object detection (Frigate 0.8 compatible)"};
  std::string config_flag;
  bool check_only = false, version = false;
  cli.add_option("--config", config_flag, "configuration file (YAML, or JSON if it ends in .json)");
  cli.add_flag("--check-config", check_only, "validate the configuration and exit");
  cli.add_flag("--version", version, "print the version and exit");
  // vigil user add|passwd|del NAME (docs/auth.md): the authenticated listener's users.
  std::string user_name, user_role = "viewer";
  CLI::App* user_cmd = cli.add_subcommand("user", "manage the users of the authenticated listener (auth)");
  user_cmd->require_subcommand(1);
  for (auto [verb, help] : {std::pair{"add", "add a user (password from a prompt or stdin)"},
                            std::pair{"passwd", "change a user's password"}, std::pair{"del", "remove a user"}}) {
    CLI::App* c = user_cmd->add_subcommand(verb, help);
    c->add_option("NAME", user_name, "user name")->required();
    if (std::string(verb) == "add") c->add_option("--role", user_role, "admin or viewer (default viewer)");
  }
  // `vigil check` (docs/storage.md "vigil check"): media folders against the database.
  CLI::App* check = cli.add_subcommand("check", "check the media folders of every storage tier (dry run)");
  bool fix = false;
  check->add_option("--config", config_flag, "configuration file");
  check->add_flag("--fix", fix, "repair what was found (only while vigil is stopped)");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    std::cout << cli.help();
    return 0;
  } catch (const CLI::ParseError& e) {
    std::cerr << "vigil: " << e.what() << "\n" << cli.help();
    return 2;
  }
  if (version) {
    std::cout << "0.8.4-vigil-" << VIGIL_VERSION << "\n";
    return 0;
  }

  std::string tried;
  std::string path = find_config(config_flag, &tried);
  if (path.empty()) {
    std::cerr << "config error: no config file found (tried: " << tried << ")\n";
    return 1;
  }
  vigil::Config cfg;
  std::vector<std::string> warnings;
  try {
    cfg = vigil::load_checked_config(path, &warnings);
  } catch (const vigil::ConfigError& e) {
    for (const auto& w : warnings) std::cerr << w << "\n";
    for (const auto& l : e.lines) std::cerr << l << "\n";
    return 1;
  }
  for (const auto& w : warnings) std::cerr << w << "\n";
  if (user_cmd->parsed())
    return vigil::run_user_command(cfg, user_cmd->get_subcommands()[0]->get_name(), user_name, user_role);
  if (check->parsed()) return run_check(cfg, fix);
  if (check_only) {
    std::cout << "config ok\n";
    return 0;
  }
  vigil::configure_logging(cfg.logger_default, cfg.logger_logs);
  // Held while vigil runs, so `vigil check --fix` does not repair under it.
  std::error_code ec;
  std::filesystem::create_directories(cfg.media_dir, ec);
  if (vigil::lock_media_dir(cfg.media_dir) < 0)
    std::cerr << "warning: " << cfg.media_dir << "/.vigil.lock is held: another vigil or `vigil check --fix` uses it\n";
  return vigil::run_vigil(cfg);
}
