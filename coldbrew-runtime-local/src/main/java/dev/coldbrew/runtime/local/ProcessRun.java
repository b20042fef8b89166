package dev.coldbrew.runtime.local;

import java.io.InputStream;
import java.util.concurrent.CompletableFuture;

/**
 * What both launchers' runs share: an OS process the platform started (the app itself, or the
 * podman client attached to its container), whose output is the run's, and the address the platform
 * reaches the instance at. How a run ends is each launcher's.
 */
abstract class ProcessRun implements Launched {
  final Process process;
  private final String host;
  private final int port;

  /** Set once, right after the run is made (its bookkeeping needs the run itself). */
  volatile CompletableFuture<Integer> exited;

  ProcessRun(Process process, String host, int port) {
    this.process = process;
    this.host = host;
    this.port = port;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public int port() {
    return port;
  }

  @Override
  public InputStream output() {
    return process.getInputStream();
  }

  @Override
  public CompletableFuture<Integer> exited() {
    return exited;
  }
}
