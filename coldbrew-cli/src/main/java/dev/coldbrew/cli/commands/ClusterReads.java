package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.store.Store;
import dev.coldbrew.store.StoreException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * {@code get --engine kubernetes}: reads straight from the cluster's store. A class of its own so
 * that a client call against the admin API never loads the store's classes (the JVM loads the types
 * a method catches when it loads the method's class). Stateless.
 */
final class ClusterReads {
  private ClusterReads() {}

  /**
   * Runs {@code body} with a reader over the cluster {@code engine} names; store errors are user
   * errors.
   */
  static <R> R read(EngineOptions engine, Function<GetCommand.Reader, R> body) {
    try (EngineOptions.Cluster cluster = engine.connect()) {
      Store store = cluster.store();
      return body.apply(
          new GetCommand.Reader() {
            @Override
            public List<? extends Resource> list(Kind k, String ns) {
              return store.list(k, ns).items();
            }

            @Override
            public Optional<? extends Resource> get(Kind k, String ns, String name) {
              return store.get(k, ns, name);
            }
          });
    } catch (StoreException e) {
      throw new UserException(e.getMessage());
    }
  }
}
