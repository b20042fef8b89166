package dev.coldbrew.runtime.local;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
