package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The TCP ports a process tree listens on, read from Linux's {@code /proc}: the socket inodes among
 * each process's open files ({@code /proc/PID/fd}), matched with the sockets in {@code LISTEN}
 * state of its network namespace ({@code /proc/PID/net/tcp} and {@code tcp6}). Used to tell a user
 * whose app never becomes ready that it listens on another port than {@code $PORT}. Empty where
 * {@code /proc} is missing or unreadable (another OS, another user's process). Stateless and
 * thread-safe; a call reads a few small files per process, so it is made at most about once a
 * second per starting instance, never on a request path.
 */
final class ListeningPorts {
  private static final Path PROC = Path.of("/proc");
  private static final String LISTEN = "0A";

  private ListeningPorts() {}

  /** The ports the processes listen on, ascending; empty when none or unknown. */
  static Set<Integer> of(List<ProcessHandle> tree) {
    Set<String> inodes = new HashSet<>();
    for (ProcessHandle p : tree) {
      socketInodes(p.pid(), inodes);
    }
    Set<Integer> ports = new TreeSet<>();
    if (inodes.isEmpty()) {
      return ports;
    }
    for (ProcessHandle p : tree) {
      Path net = PROC.resolve(Long.toString(p.pid())).resolve("net");
      if (listening(net.resolve("tcp"), inodes, ports)
          | listening(net.resolve("tcp6"), inodes, ports)) {
        break; // one readable namespace view is enough: a tree shares its parent's
      }
    }
    return ports;
  }

  private static void socketInodes(long pid, Set<String> inodes) {
    try (DirectoryStream<Path> fds =
        Files.newDirectoryStream(PROC.resolve(Long.toString(pid)).resolve("fd"))) {
      for (Path fd : fds) {
        try {
          String target = Files.readSymbolicLink(fd).toString();
          if (target.startsWith("socket:[") && target.endsWith("]")) {
            inodes.add(target.substring(8, target.length() - 1));
          }
        } catch (IOException | UnsupportedOperationException e) {
          // closed meanwhile
        }
      }
    } catch (IOException | SecurityException e) {
      // gone, or not ours to read
    }
  }

  /**
   * Adds the local ports of the LISTEN sockets of {@code table} whose inode is in {@code inodes};
   * whether the table could be read.
   */
  static boolean listening(Path table, Set<String> inodes, Set<Integer> ports) {
    List<String> lines;
    try {
      lines = Files.readAllLines(table);
    } catch (IOException | SecurityException e) {
      return false;
    }
    for (int n = 1; n < lines.size(); n++) { // the first line is the header
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
      String[] f = lines.get(n).trim().split("\\s+");
      if (f.length < 10 || !f[3].equals(LISTEN) || !inodes.contains(f[9])) {
        continue;
      }
      int colon = f[1].lastIndexOf(':');
      try {
        ports.add(Integer.parseInt(f[1].substring(colon + 1), 16));
      } catch (NumberFormatException | IndexOutOfBoundsException e) {
        // not a table line
      }
    }
    return true;
  }
}
