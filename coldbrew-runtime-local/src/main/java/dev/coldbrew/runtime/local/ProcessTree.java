package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * A process and its descendants, as the runtime signals them: SIGTERM to all, later SIGKILL to
 * whatever is left. Descendants are whatever {@code /proc} lists at the moment of the call; a
 * descendant whose parent already exited (re-parented to init) is no longer found. Stateless and
 * thread-safe; every method is a few system calls (the descendant scan reads {@code /proc}).
 */
final class ProcessTree {
  private ProcessTree() {}

  /** The root, then its descendants alive now. */
  static List<ProcessHandle> of(ProcessHandle root) {
    List<ProcessHandle> tree = new ArrayList<>();
    tree.add(root);
    root.descendants().forEach(tree::add);
    return tree;
  }

  /**
   * The processes (but this one) whose environment holds every one of {@code vars}: the processes
   * an exited instance left behind, which init adopted and which are no longer anyone's
   * descendants, still carry what they inherited. Reads {@code /proc/PID/environ} of every process;
   * a process whose environment cannot be read (another user's, gone) does not match.
   */
  static List<ProcessHandle> inheriting(Map<String, String> vars) {
    List<byte[]> wanted = new ArrayList<>();
    vars.forEach((k, v) -> wanted.add((k + "=" + v).getBytes(StandardCharsets.UTF_8)));
    long self = ProcessHandle.current().pid();
    List<ProcessHandle> found = new ArrayList<>();
    ProcessHandle.allProcesses()
        .filter(h -> h.pid() != self)
        .forEach(
            h -> {
              if (environmentHolds(h.pid(), wanted)) {
                found.add(h);
              }
            });
    return found;
  }

  private static boolean environmentHolds(long pid, List<byte[]> wanted) {
    byte[] env;
    try {
      env = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException | RuntimeException e) {
      return false;
    }
    int held = 0;
    for (int start = 0; start < env.length; ) {
      int end = start;
      while (end < env.length && env[end] != 0) {
        end++;
      }
      for (byte[] w : wanted) {
        if (w.length == end - start && Arrays.equals(env, start, end, w, 0, w.length)) {
          held++;
        }
      }
      start = end + 1;
    }
    return held == wanted.size();
  }

  /**
   * The processes running {@code program} (the file name of their executable) whose arguments
   * satisfy {@code args}. Reads {@code /proc} of every process; one whose command cannot be read
   * (another user's, gone) does not match.
   */
  static List<ProcessHandle> running(String program, Predicate<List<String>> args) {
    String suffix = "/" + program;
    return ProcessHandle.allProcesses()
        .filter(h -> h.info().command().map(c -> c.endsWith(suffix)).orElse(false))
        .filter(h -> args.test(List.of(h.info().arguments().orElse(new String[0]))))
        .toList();
  }

  /** SIGTERM to each. */
  static void terminate(List<ProcessHandle> tree) {
    tree.forEach(ProcessHandle::destroy);
  }

  /** SIGKILL to each one still alive. */
  static void kill(List<ProcessHandle> tree) {
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
  }

  /** Completes when every one of them has exited. */
  static CompletableFuture<Void> allExited(List<ProcessHandle> tree) {
    return CompletableFuture.allOf(
        tree.stream().map(ProcessHandle::onExit).toArray(CompletableFuture[]::new));
  }
}
