package dev.coldbrew.cli.commands;

import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.ClientCommand;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Where the commands read and write: a {@code coldbrew serve}'s admin API, or the cluster of {@code
 * --engine kubernetes} ({@link Clusters#resources}). Refusals are the admin API's {@link
 * ApiException}s either way, so the commands name the flag behind a bad field alike. Used on the
 * command's thread; close it after use.
 */
interface Resources extends GetCommand.Reader, AutoCloseable {
  /** Creates {@code r}; what was stored. */
  Resource create(Resource r);

  /** Replaces {@code r} (its resourceVersion must be current); what was stored. */
  Resource update(Resource r);

  /** Deletes a resource (its children follow); false when it does not exist. */
  boolean delete(Kind kind, String namespace, String name);

  /** A list with the collection's resourceVersion, to {@link #watch} from. */
  ApiClient.Listed<Resource> listWithVersion(Kind kind, String namespace);

  /**
   * Passes each change from {@code resourceVersion} on to {@code sink} until the server ends the
   * watch; returns the resourceVersion to go on from. When the watch can no longer go on from there
   * it throws {@link ApiException} with code 410: list again.
   */
  String watch(
      Kind kind, String namespace, String resourceVersion, Consumer<ApiClient.Change> sink);

  @Override
  default void close() {}

  /** Where {@code cmd} works: the cluster {@code engine} names, else the admin API. */
  static Resources of(ClientCommand cmd, EngineOptions engine) {
    return engine.kubernetes() ? Clusters.resources(engine) : of(cmd.client());
  }

  /** The admin API's. */
  static Resources of(ApiClient client) {
    return new Resources() {
      @Override
      public List<? extends Resource> list(Kind k, String ns) {
        return client.list(k, ns);
      }

      @Override
      public Optional<? extends Resource> get(Kind k, String ns, String name) {
        return client.get(k, ns, name);
      }

      @Override
      public Resource create(Resource r) {
        return client.create(r);
      }

      @Override
      public Resource update(Resource r) {
        return client.update(r);
      }

      @Override
      public boolean delete(Kind k, String ns, String name) {
        return client.delete(k, ns, name);
      }

      @Override
      public ApiClient.Listed<Resource> listWithVersion(Kind k, String ns) {
        return client.listWithVersion(k, ns);
      }

      @Override
      public String watch(Kind k, String ns, String rv, Consumer<ApiClient.Change> sink) {
        return client.watch(k, ns, rv, sink);
      }
    };
  }
}
