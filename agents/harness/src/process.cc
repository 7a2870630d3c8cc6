#include "tripmesh/harness/process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

namespace tripmesh::harness {

Result<std::unique_ptr<Process>> Process::Spawn(std::vector<std::string> argv,
                                                const std::string& log_path) {
  if (argv.empty()) return Fail(Errc::kInvalidRequest, "no program to run");
  int out_fd = -1;
  if (!log_path.empty()) {
    out_fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (out_fd < 0) return Fail(Errc::kInternal, "cannot open " + log_path);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return Fail(Errc::kInternal, "fork failed");
  if (pid == 0) {
    // Child: default signal mask and dispositions, so SIGTERM/SIGINT work.
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);  // NOLINT(concurrency-mt-unsafe): one thread here
    signal(SIGPIPE, SIG_DFL);
    if (out_fd >= 0) {
      dup2(out_fd, STDOUT_FILENO);
      dup2(out_fd, STDERR_FILENO);
    }
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvp(args[0], args.data());
    _exit(127);
  }
  if (out_fd >= 0) ::close(out_fd);
  return std::unique_ptr<Process>(new Process(pid));
}

Process::~Process() { Stop(std::chrono::seconds(5)); }

void Process::Signal(int sig) {
  if (!reaped_) ::kill(pid_, sig);
}

bool Process::Wait(std::chrono::milliseconds timeout, int* status) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reaped_) {
    int st = 0;
    pid_t r = waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      reaped_ = true;
      status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (status) *status = status_;
  return true;
}

bool Process::Running() { return !Wait(std::chrono::milliseconds(0)); }

void Process::Stop(std::chrono::milliseconds grace) {
  if (reaped_) return;
  Signal(SIGCONT);  // a frozen process cannot handle SIGTERM
  Signal(SIGTERM);
  if (!Wait(grace)) {
    Signal(SIGKILL);
    Wait(std::chrono::seconds(10));
  }
}

int TryBindLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t len = sizeof addr;
  int bound = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    bound = ntohs(addr.sin_port);
  }
  ::close(fd);
  return bound;
}

namespace {

// Claims `port` for this process's lifetime among every process on the
// machine that picks ports here: a probe bind alone leaves a window, until
// the listener starts (or while a broker restarts), in which a parallel test
// could pick the same port. The lock goes with the process, even a killed one.
bool ClaimForThisProcess(int port) {
  static std::mutex mutex;
  static std::vector<int> held;  // open for the process's lifetime on purpose
  std::error_code ec;
  auto dir = std::filesystem::temp_directory_path(ec) / "tripmesh-ports";
  std::filesystem::create_directories(dir, ec);
  std::filesystem::permissions(dir, std::filesystem::perms::all, ec);
  auto path = dir / std::to_string(port);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) return true;  // no shared folder: the probe bind is all there is
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return false;
  }
  std::lock_guard lock(mutex);
  held.push_back(fd);
  return true;
}

// The lowest port the kernel hands out for outgoing connections.
int EphemeralLow() {
  std::ifstream in("/proc/sys/net/ipv4/ip_local_port_range");
  int low = 0;
  return in >> low ? low : 0;
}

}  // namespace

int FreeLoopbackPort() {
  // Below the kernel's ephemeral range: a port it picked (bind to 0) may be
  // taken by any outgoing connection before the listener it was chosen for
  // starts; ports below the range never are. Random, so that parallel test
  // processes do not try the same ones.
  static const int kEphemeralLow = EphemeralLow();
  constexpr int kFirst = 10000;
  if (kEphemeralLow > kFirst + 1000) {
    thread_local std::mt19937 pick(std::random_device{}() ^ static_cast<unsigned>(getpid()));
    std::uniform_int_distribution<int> port(kFirst, kEphemeralLow - 1);
    for (int attempt = 0; attempt < 64; ++attempt) {
      int p = port(pick);
      if (TryBindLoopback(p) && ClaimForThisProcess(p)) return p;
    }
  }
  return TryBindLoopback(0);
}

std::string SelfExe() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("tripmesh") : p.string();
}

bool WaitForPort(int port, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    ::close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

namespace {

constexpr const char* kDevConf =
    "listener 1883 127.0.0.1\n"
    "allow_anonymous true\n"
    "set_tcp_nodelay true\n"
    "persistence true\n"
    "autosave_interval 1\n"
    "max_queued_messages 100000\n"
    "log_type error\nlog_type warning\n";

}  // namespace

std::string MoveListener(const std::string& line, int from, int to) {
  std::string head = "listener " + std::to_string(from);
  if (!line.starts_with(head) || (line.size() > head.size() && line[head.size()] != ' ')) {
    return line;
  }
  return "listener " + std::to_string(to) + line.substr(head.size());
}

Result<std::unique_ptr<LocalBroker>> LocalBroker::Start(const std::string& dir,
                                                        const std::string& conf, int port) {
  std::unique_ptr<LocalBroker> b(new LocalBroker());
  b->dir_ = dir;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string text = kDevConf;
  if (!conf.empty()) {
    std::ifstream in(conf);
    if (!in) return Fail(Errc::kNotFound, "cannot read broker config " + conf);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  b->port_ = port ? port : FreeLoopbackPort();
  // Point the config's "listener 1883 ..." line at the chosen port.
  std::string rewritten;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (auto moved = MoveListener(line, 1883, b->port_); moved != line) {
      line = moved;
    } else if (MoveListener(line, 9001, 0) != line) {  // websockets: a free port too
      b->ws_port_ = FreeLoopbackPort();
      line = MoveListener(line, 9001, b->ws_port_);
    }
    rewritten += line + "\n";
  }
  text = rewritten;
  // A config line of its own, not a mention in a comment: else the broker
  // would keep (and restore) its retained messages in the working folder.
  if (text.find("\npersistence_location ") == std::string::npos &&
      text.rfind("persistence_location ", 0) != 0)
    text += "\npersistence_location " + dir + "/\n";
  if (geteuid() == 0) text += "user root\n";  // else it drops to 'mosquitto', who cannot write dir
  b->conf_path_ = dir + "/mosquitto.conf";
  std::ofstream(b->conf_path_) << text;
  if (auto st = b->Launch(); !st) return tl::unexpected<Error>(st.error());
  return b;
}

Status LocalBroker::Launch() {
  auto p = Process::Spawn({"mosquitto", "-c", conf_path_}, dir_ + "/mosquitto.log");
  if (!p) return tl::unexpected<Error>(p.error());
  process_ = std::move(*p);
  if (!WaitForPort(port_, std::chrono::seconds(10))) {
    // The log's last lines in the message: CI keeps the output, not the temp dir.
    std::ifstream log(dir_ + "/mosquitto.log");
    std::deque<std::string> last;
    for (std::string line; std::getline(log, line);) {
      last.push_back(std::move(line));
      if (last.size() > 10) last.pop_front();
    }
    std::string tail;
    for (const auto& l : last) (tail += l) += '\n';
    return Fail(Errc::kTimeout, "mosquitto did not listen on port " + std::to_string(port_) +
                                    " (see " + dir_ + "/mosquitto.log); its log ends:\n" + tail);
  }
  return {};
}

LocalBroker::~LocalBroker() {
  if (process_) process_->Stop(std::chrono::seconds(5));
}

void LocalBroker::Kill() {
  if (!process_) return;
  process_->Signal(SIGKILL);
  process_->Wait(std::chrono::seconds(10));
}

Status LocalBroker::Restart() {
  if (process_ && process_->Running()) Kill();
  return Launch();
}

}  // namespace tripmesh::harness
