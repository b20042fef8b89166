package dev.coldbrew.cli.it;

import java.util.List;

/** Finds the OS processes of a test's instances by a marker in their command line. */
final class Processes {
  private Processes() {}

  /** Live processes whose command line contains {@code marker}. */
  static List<ProcessHandle> withMarker(String marker) {
    return ProcessHandle.allProcesses()
        .filter(ProcessHandle::isAlive)
        .filter(p -> p.info().commandLine().map(c -> c.contains(marker)).orElse(false))
        .toList();
  }
}
