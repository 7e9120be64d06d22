// mkcpio: write a cpio "newc" archive (the guest kernel's initrd).
//   mkcpio OUT.cpio NAME=PATH...
// Every entry is a regular file with mode 0755, owner 0, mtime 0 and inode
// numbers counting from 1, so the archive is a pure function of its inputs.
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

void put_hex(std::string& out, unsigned long v) {
  char buf[9];
  std::snprintf(buf, sizeof buf, "%08lX", v & 0xffffffffUL);
  out += buf;
}

void add_entry(std::string& out, unsigned long ino, unsigned long mode, const std::string& name,
               const std::string& data) {
  out += "070701";
  put_hex(out, ino);
  put_hex(out, mode);
  for (int i = 0; i < 3; ++i) put_hex(out, i == 2 ? 1 : 0);  // uid, gid, nlink
  put_hex(out, 0);                                            // mtime
  put_hex(out, data.size());
  for (int i = 0; i < 4; ++i) put_hex(out, 0);  // dev major/minor, rdev major/minor
  put_hex(out, name.size() + 1);
  put_hex(out, 0);  // check
  out += name;
  out += '\0';
  while (out.size() % 4) out += '\0';
  out += data;
  while (out.size() % 4) out += '\0';
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: mkcpio OUT.cpio NAME=PATH...\n");
    return 2;
  }
  std::string out;
  unsigned long ino = 1;
  for (int i = 2; i < argc; ++i) {
    const char* eq = std::strchr(argv[i], '=');
    if (!eq || eq == argv[i]) {
      std::fprintf(stderr, "mkcpio: bad argument '%s' (want NAME=PATH)\n", argv[i]);
      return 2;
    }
    std::string name(argv[i], static_cast<size_t>(eq - argv[i]));
    std::ifstream in(eq + 1, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "mkcpio: cannot read '%s'\n", eq + 1);
      return 1;
    }
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    add_entry(out, ino++, 0100755, name, data);
  }
  add_entry(out, 0, 0, "TRAILER!!!", "");
  while (out.size() % 512) out += '\0';
  std::string tmp = std::string(argv[1]) + ".tmp";
  std::ofstream o(tmp, std::ios::binary);
  o.write(out.data(), static_cast<std::streamsize>(out.size()));
  o.close();
  if (!o || std::rename(tmp.c_str(), argv[1]) != 0) {
    std::fprintf(stderr, "mkcpio: cannot write '%s'\n", argv[1]);
    return 1;
  }
  return 0;
}
