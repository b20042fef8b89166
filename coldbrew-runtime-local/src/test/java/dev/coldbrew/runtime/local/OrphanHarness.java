package dev.coldbrew.runtime.local;

import dev.coldbrew.api.model.NamespacedName;
import dev.coldbrew.api.model.Revision;
import java.nio.file.Path;
import java.util.Map;

/**
 * A platform that crashes: starts a {@link LocalRuntime} on the data directory given as argument,
 * scales a revision to 2, waits until both are ready, then halts the JVM without closing anything.
 */
public final class OrphanHarness {
  static final int HALTED = 42;

  public static void main(String[] args) throws Exception {
    LocalRuntime rt = new LocalRuntime(LocalRuntimeOptions.defaults(Path.of(args[0])));
    Revision rev = LocalRuntimeIT.revision("orphan-00001", Map.of());
    rt.scale(rev, 2);
    long deadline = System.nanoTime() + 50_000_000_000L;
    while (rt.instances(NamespacedName.of(rev)).ready().size() < 2) {
      if (System.nanoTime() > deadline) {
        System.exit(1);
      }
      Thread.sleep(10);
    }
    Runtime.getRuntime().halt(HALTED);
  }
}
