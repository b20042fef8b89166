package dev.coldbrew.store;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child process of {@link KillNineIT}: creates services from several threads as fast as it can
 * and prints each name once {@code create} has returned. Runs until killed.
 */
public final class KillNineWriter {
  private KillNineWriter() {}

  public static void main(String[] args) throws Exception {
    SqliteStore store = SqliteStore.open(Path.of(args[0]));
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      int id = t;
      Thread th =
          new Thread(
              () -> {
                for (int i = 0; ; i++) {
                  String name = "w" + id + "-" + i;
                  store.create(Fixtures.service(name));
                  synchronized (System.out) {
                    System.out.println(name);
                    System.out.flush();
                  }
                }
              });
      th.start();
      threads.add(th);
    }
    System.out.println("started");
    for (Thread th : threads) {
      th.join();
    }
  }
}
