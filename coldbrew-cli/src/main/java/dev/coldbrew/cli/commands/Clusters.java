package dev.coldbrew.cli.commands;

import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.api.validation.ValidationContext;
import dev.coldbrew.api.validation.ValidationException;
import dev.coldbrew.cli.ApiClient;
import dev.coldbrew.cli.ApiException;
import dev.coldbrew.cli.Manifests;
import dev.coldbrew.cli.UserException;
import dev.coldbrew.kubernetes.ClusterConfig;
import dev.coldbrew.kubernetes.ClusterConnection;
import dev.coldbrew.kubernetes.KubernetesStore;
import dev.coldbrew.server.ApiStatus;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.Watch;
import dev.coldbrew.store.admission.Admission;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;

/**
 * What the commands do with {@code --engine kubernetes}: connect to the kubeconfig's cluster (its
 * admission defaults and validates with the cluster's ConfigMaps, as its controller does), read
 * from it ({@code get}, {@code describe}), apply to it ({@code apply}), delete on it ({@code
 * delete}). In a class of its own so that a client call against the admin API never loads the
 * store's or fabric8's classes (the JVM loads the types a class's methods catch, and those it must
 * check assignments to, when it loads the class). Stateless; used on the command's thread.
 */
final class Clusters {
  /** Where the controller and Knative's ConfigMaps live. */
  private static final String SYSTEM_NAMESPACE = "coldbrew-system";

  private Clusters() {}

  /** A connection to the cluster: a client, a store without informers, admission over it. */
  static Cluster connect(EngineOptions o) {
    Path file =
        EngineOptions.kubeconfigFile(
            o.kubeconfig, System.getenv(), System.getProperty("user.home"));
    String flag = o.kubeconfig != null ? "--kubeconfig" : "kubeconfig";
    KubernetesClient client;
    try {
      client = ClusterConnection.fromKubeconfig(file, flag);
    } catch (IllegalArgumentException e) {
      throw new UserException(e.getMessage());
    }
    ValidationContext config;
    try {
      config =
          ClusterConfig.current(
              client, SYSTEM_NAMESPACE, ValidationContext.standard().withLocalRuntime(false));
    } catch (ValidationException e) {
      client.close();
      throw new UserException(
          "the cluster's ConfigMaps in " + SYSTEM_NAMESPACE + " are not valid: " + e.getMessage());
    } catch (RuntimeException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      String url = String.valueOf(client.getMasterUrl());
      client.close();
      throw new UserException(
          "the API server at "
              + url
              + " cannot be reached to read the cluster's ConfigMaps ("
              + root.getClass().getSimpleName()
              + (root.getMessage() == null ? "" : ": " + root.getMessage())
              + ")");
    }
    KubernetesStore store = KubernetesStore.direct(client);
    return new Cluster(client, store, new Admission(store, config));
  }

  /** An open connection to a cluster; close it after use. */
  record Cluster(KubernetesClient client, KubernetesStore store, Admission admission)
      implements AutoCloseable {
    @Override
    public void close() {
      store.close();
      client.close();
    }
  }

  /**
   * Reads and writes on the cluster {@code engine} names, through admission (a deletion's children
   * are the API server's garbage collector's); refusals are the {@link ApiException}s the admin API
   * would answer with. Close it after use.
   */
  static Resources resources(EngineOptions engine) {
    Cluster cluster = connect(engine);
    return new Resources() {
      @Override
      public List<? extends Resource> list(Kind k, String ns) {
        return answer(k, null, () -> cluster.store().list(k, ns).items());
      }

      @Override
      public Optional<? extends Resource> get(Kind k, String ns, String name) {
        return answer(k, name, () -> cluster.store().get(k, ns, name));
      }

      @Override
      public Resource create(Resource r) {
        return answer(r.resourceKind(), r.metadata.name, () -> cluster.admission().create(r));
      }

      @Override
      public Resource update(Resource r) {
        return answer(r.resourceKind(), r.metadata.name, () -> cluster.admission().update(r));
      }

      @Override
      public boolean delete(Kind k, String ns, String name) {
        try {
          return answer(
              k,
              name,
              () -> {
                cluster.admission().delete(k, ns, name);
                return true;
              });
        } catch (ApiException e) {
          if (e.code() == 404) {
            return false;
          }
          throw e;
        }
      }

      @Override
      public ApiClient.Listed<Resource> listWithVersion(Kind k, String ns) {
        KubernetesStore.LiveList l = answer(k, null, () -> cluster.store().listLive(k, ns));
        return new ApiClient.Listed<>(l.items(), l.resourceVersion());
      }

      @Override
      public String watch(Kind k, String ns, String rv, Consumer<ApiClient.Change> sink) {
        return Clusters.watch(cluster.store(), k, ns, rv, sink);
      }

      @Override
      public void close() {
        cluster.close();
      }
    };
  }

  /**
   * Watches on the cluster until the watch cannot go on (410: list again) or the thread is
   * interrupted; the changes are passed on on this thread, as the admin API's are. fabric8 resumes
   * a watch the server ends, so this returns only by throwing.
   */
  private static String watch(
      KubernetesStore store, Kind k, String ns, String rv, Consumer<ApiClient.Change> sink) {
    BlockingQueue<KubernetesStore.LiveEvent> events = new LinkedBlockingQueue<>();
    String last = rv;
    Watch watch = answer(k, null, () -> store.watchLive(k, ns, rv, events::add));
    try {
      while (true) {
        KubernetesStore.LiveEvent e = events.take();
        switch (e.type()) {
          case "GONE" -> throw new ApiException(410, "Expired", e.detail(), List.of());
          case "FAILED" ->
              throw new UserException("the watch of " + k.plural() + " failed: " + e.detail());
          default -> {
            last = e.resource().metadata.resourceVersion;
            sink.accept(new ApiClient.Change(e.type(), e.resource(), last));
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UserException("the watch of " + k.plural() + " was interrupted at " + last);
    } finally {
      watch.close();
    }
  }

  /** {@code call}'s result, or its refusal as the admin API's answer for {@code kind/name}. */
  private static <T> T answer(Kind kind, String name, java.util.function.Supplier<T> call) {
    try {
      return call.get();
    } catch (ValidationException | StoreException e) {
      ApiStatus s = ApiStatus.of(e, kind.kindName() + (name == null ? "" : " \"" + name + "\""));
      throw new ApiException(
          s.code(),
          s.reason(),
          s.message(),
          s.causes().stream().map(c -> new ApiException.Cause(c.path(), c.message())).toList());
    }
  }

  /**
   * {@code --engine kubernetes}: each document in file order, through the same admission as the
   * admin API, straight to the cluster's API server.
   */
  static int apply(
      EngineOptions engine,
      List<Manifests.Document> docs,
      String namespace,
      PrintWriter out,
      PrintWriter err) {
    int failures = 0;
    try (Cluster cluster = connect(engine)) {
      for (Manifests.Document doc : docs) {
        try {
          Resource r = ResourceCodec.decode(doc.node());
          if (r.metadata.namespace == null || r.metadata.namespace.isEmpty()) {
            r.metadata.namespace = namespace;
          }
          Admission.Applied a = cluster.admission().apply(r);
          out.println(
              ApplyCommand.done(r.resourceKind(), a.resource().metadata.name, a.outcome().word()));
        } catch (ValidationException e) {
          failures++;
          ApplyCommand.invalid(doc, e).forEach(err::println);
        } catch (StoreException e) {
          if (e.reason() == StoreException.Reason.UNAVAILABLE) {
            throw new UserException(e.getMessage());
          }
          failures++;
          err.println("Error: " + doc.source() + ": " + e.getMessage());
        }
      }
    } finally {
      out.flush();
      err.flush();
    }
    return failures == 0 ? 0 : 1;
  }
}
