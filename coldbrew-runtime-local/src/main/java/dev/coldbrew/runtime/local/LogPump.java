package dev.coldbrew.runtime.local;

import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;

/**
 * Copies the output of each run into its instance's {@link LogFile} (which caps and rotates it), on
 * a thread of its own per live run ({@code coldbrew-runtime-log-N}), since reading a pipe blocks.
 * Thread-safe.
 */
final class LogPump implements AutoCloseable {
  private final ExecutorService copiers =
      Executors.newCachedThreadPool(RuntimeScheduler.daemonThreads("coldbrew-runtime-log"));

  /**
   * Starts copying {@code in} to {@code out}; completes {@code eof} at the end of the stream (when
   * every process holding the pipe has closed it) or when reading fails, and at once if the pump is
   * closed.
   */
  void start(InputStream in, LogFile out, CompletableFuture<Void> eof) {
    try {
      copiers.execute(
          () -> {
            byte[] buf = new byte[8192];
            try (in) {
              int n;
              while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
              }
            } catch (IOException e) {
              // pipe closed
            } finally {
              eof.complete(null);
            }
          });
    } catch (RejectedExecutionException e) {
      eof.complete(null);
    }
  }

  /** Stops the copiers (interrupting reads still blocked on a pipe a descendant holds open). */
  @Override
  public void close() {
    copiers.shutdownNow();
  }
}
