package dev.coldbrew.kubernetes;

// Longer than ~500 lines on purpose: the Store contract on the API server, in three parts that
// share the informers' cache and the event sequence: reads from the cache, writes to the server,
// and watches resumed from the sequence (Handler, ResettableWatch). Mapping to and from the
// cluster's objects is in ResourceMapping, kinds in ClusterKinds, history in EventHistory.

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.EventHistory;
import dev.coldbrew.store.ListResult;
import dev.coldbrew.store.Store;
import dev.coldbrew.store.StoreException;
import dev.coldbrew.store.StoreException.Reason;
import dev.coldbrew.store.Watch;
import dev.coldbrew.store.WatchEvent;
import dev.coldbrew.store.WatchListener;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.api.model.StatusDetails;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.FilterWatchListDeletable;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Store} on a Kubernetes API server: Coldbrew's kinds as custom resources in our own
 * groups ({@link ClusterKinds}), Endpoints as core v1 Endpoints.
 *
 * <p>Reads come from one informer per kind (list + watch over all namespaces; Endpoints only those
 * carrying the ServerlessService's {@code networking.internal.knative.dev/serviceType} label), so
 * they are eventually consistent, as Knative's listers: a write is visible to {@link #get} and
 * {@link #list} once its watch event has arrived. Each informer event is decoded once, kept, and
 * numbered in one sequence of this store; {@link #list} returns that number and {@link #watch}
 * resumes from it through an {@link EventHistory}, so list-then-watch misses nothing and repeats
 * nothing. When an informer has to list again (the API server answered 410 Gone, or its watch broke
 * and could not resume), every open watch receives RESET and ends, as the contract asks.
 *
 * <p>Writes go straight to the API server: create is a POST (409 → ALREADY_EXISTS), update a PUT
 * carrying the resourceVersion read (409 → CONFLICT), updateStatus a PUT to the {@code /status}
 * subresource, delete a DELETE with background propagation. An update or status update equal to
 * what the cache holds at the same resourceVersion is not sent. An update answered 409 waits (at
 * most a second) until the winning version has reached the cache before it fails with CONFLICT, so
 * the caller's retry reads the winner instead of sending the same stale version again. <b>Delete
 * does not cascade</b>: the cluster's garbage collector deletes owned resources afterwards, by
 * their owner references. An unreachable or failing API server makes calls fail with {@link
 * Reason#UNAVAILABLE} (callers back off; the controller's work queues do); the informers keep
 * retrying on their own with backoff, and {@link #unsyncedKinds()} says which are not watching. An
 * object on the cluster that Coldbrew's model cannot read (edited by hand into nonsense) is logged
 * and served as deleted (a DELETED event) until it is fixed.
 *
 * <p>The store does not own the client: close the client after the store. Thread-safe; informer
 * events are applied by fabric8's per-informer threads, async writes run on a small pool.
 */
public final class KubernetesStore implements Store {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesStore.class);
  private static final AtomicInteger POOLS = new AtomicInteger();

  /** How long a write that got 409 waits for the winning version to reach the cache. */
  private static final Duration CONFLICT_WAIT = Duration.ofSeconds(1);

  /** The label every Endpoints object the ServerlessService reconciler writes carries. */
  public static final String ENDPOINTS_LABEL = "networking.internal.knative.dev/serviceType";

  /**
   * Tuning of the store.
   *
   * @param syncTimeout how long {@link #open} waits for every informer's first list (60 s: a
   *     cluster with thousands of resources answers in seconds; longer means it is unreachable)
   * @param historyEvents how many recent changes are kept for watches (10 000, as the SQLite
   *     store), which is also how far a watcher may fall behind before it gets RESET
   * @param writeThreads threads running the async writes (8: each blocks on one HTTP round trip,
   *     and the API server, not this pool, is the limit)
   */
  public record Options(Duration syncTimeout, int historyEvents, int writeThreads) {
    public Options {
      Objects.requireNonNull(syncTimeout, "syncTimeout");
      if (syncTimeout.isNegative() || syncTimeout.isZero()) {
        throw new IllegalArgumentException("syncTimeout: " + syncTimeout + " (expected: > 0)");
      }
      if (historyEvents < 1) {
        throw new IllegalArgumentException("historyEvents: " + historyEvents + " (expected: >= 1)");
      }
      if (writeThreads < 1) {
        throw new IllegalArgumentException("writeThreads: " + writeThreads + " (expected: >= 1)");
      }
    }

    public static Options defaults() {
      return new Options(Duration.ofSeconds(60), 10_000, 8);
    }

    public Options withSyncTimeout(Duration d) {
      return new Options(d, historyEvents, writeThreads);
    }

    public Options withHistoryEvents(int n) {
      return new Options(syncTimeout, n, writeThreads);
    }
  }

  private final KubernetesClient client;
  private final Map<Kind, SharedIndexInformer<GenericKubernetesResource>> informers =
      new EnumMap<>(Kind.class);
  private final Map<Kind, Handler> handlers = new EnumMap<>(Kind.class);

  /** kind → "namespace/name" → the decoded resource, shared: copied before it is handed out. */
  private final Map<Kind, Map<String, Resource>> cache = new EnumMap<>(Kind.class);

  /** Guards {@link #sequence}, {@link #cache} changes and publishing, so lists match watches. */
  private final Object lock = new Object();

  private volatile long sequence;
  private final EventHistory history;
  private final Set<ResettableWatch> watches = ConcurrentHashMap.newKeySet();
  private final ExecutorService writers;
  private final boolean direct;
  private final ApiServerHealth health = new ApiServerHealth(java.time.Clock.systemUTC());
  private volatile boolean closed;

  private KubernetesStore(KubernetesClient client, Options options, boolean direct) {
    this.client = client;
    this.direct = direct;
    this.history = new EventHistory(options.historyEvents(), 0, () -> sequence);
    int pool = POOLS.incrementAndGet();
    AtomicInteger threads = new AtomicInteger();
    this.writers =
        Executors.newFixedThreadPool(
            options.writeThreads(),
            r -> {
              Thread t =
                  new Thread(r, "coldbrew-k8s-write-" + pool + "-" + threads.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    for (Kind k : Kind.values()) {
      cache.put(k, new ConcurrentHashMap<>());
    }
  }

  /**
   * Checks that our CRDs are installed, starts an informer per kind and waits until each has
   * listed.
   *
   * @throws StoreException UNAVAILABLE when a CRD is missing (the message names it and the manifest
   *     that installs it), the API server cannot be reached, or the lists did not finish within
   *     {@link Options#syncTimeout}
   */
  public static KubernetesStore open(KubernetesClient client, Options options) {
    checkCrds(client);
    KubernetesStore store = new KubernetesStore(client, options, false);
    try {
      store.start(options.syncTimeout());
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    return store;
  }

  /** {@link #open} with {@link Options#defaults()}. */
  public static KubernetesStore open(KubernetesClient client) {
    return open(client, Options.defaults());
  }

  /**
   * A store without informers, for one-shot tools ({@code coldbrew get --engine kubernetes}): every
   * read is a request to the API server, so it reads its own writes; {@link #watch} is refused. It
   * does not check the CRDs first (a user may not be allowed to read them); a request for a kind
   * the cluster does not serve fails with a message naming the install manifest.
   */
  public static KubernetesStore direct(KubernetesClient client) {
    return new KubernetesStore(client, Options.defaults(), true);
  }

  /** What the store's requests have seen of the API server lately. */
  public ApiServerHealth apiHealth() {
    return health;
  }

  /**
   * Checks that Coldbrew's CRDs are installed.
   *
   * @throws MissingCrdsException naming the missing ones and how to install them
   * @throws StoreException UNAVAILABLE when the API server cannot be asked
   */
  public static void checkCrds(KubernetesClient client) {
    List<String> missing = new ArrayList<>();
    for (Kind k : Kind.values()) {
      if (!ClusterKinds.isCustom(k)) {
        continue;
      }
      String name = ClusterKinds.crdName(k);
      try {
        if (client.apiextensions().v1().customResourceDefinitions().withName(name).get() == null) {
          missing.add(name);
        }
      } catch (KubernetesClientException e) {
        throw new StoreException(
            Reason.UNAVAILABLE,
            "cannot check CustomResourceDefinition "
                + name
                + " on "
                + client.getMasterUrl()
                + ": "
                + ApiCalls.reasonOf(e),
            e);
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingCrdsException(String.valueOf(client.getMasterUrl()), missing);
    }
  }

  private void start(Duration timeout) {
    for (Kind k : Kind.values()) {
      SharedIndexInformer<GenericKubernetesResource> informer =
          collection(k, null).runnableInformer(0);
      Handler h = new Handler(k);
      informer.exceptionHandler(
          (started, t) -> {
            LOG.warn("watching {} failed; retrying with backoff: {}", k.plural(), t.toString());
            return !closed;
          });
      informer.addEventHandler(h);
      informers.put(k, informer);
      handlers.put(k, h);
    }
    informers.values().forEach(SharedIndexInformer::start);
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> late = new ArrayList<>();
    for (Kind k : Kind.values()) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!handlers.get(k).listed.await(left, TimeUnit.NANOSECONDS)) {
          late.add(k.plural());
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new StoreException(Reason.UNAVAILABLE, "interrupted while listing " + k.plural(), e);
      }
    }
    if (!late.isEmpty()) {
      throw new StoreException(
          Reason.UNAVAILABLE,
          "the Kubernetes API server at "
              + client.getMasterUrl()
              + " did not list "
              + String.join(", ", late)
              + " within "
              + timeout.toSeconds()
              + " s");
    }
  }

  /** The kinds whose informer is not watching now (empty when all are). */
  public List<Kind> unsyncedKinds() {
    List<Kind> out = new ArrayList<>();
    informers.forEach(
        (k, i) -> {
          if (!i.isWatching()) {
            out.add(k);
          }
        });
    return out;
  }

  // ------------------------------------------------------------------ informer events

  /** Applies one kind's informer events; fabric8 calls it from one thread per informer. */
  private final class Handler implements ResourceEventHandler<GenericKubernetesResource> {
    final Kind kind;
    final CountDownLatch listed = new CountDownLatch(1);

    Handler(Kind kind) {
      this.kind = kind;
    }

    @Override
    public void onAdd(GenericKubernetesResource obj) {
      changed(kind, WatchEvent.Type.ADDED, obj);
    }

    @Override
    public void onUpdate(GenericKubernetesResource oldObj, GenericKubernetesResource newObj) {
      if (!Objects.equals(
          oldObj.getMetadata().getResourceVersion(), newObj.getMetadata().getResourceVersion())) {
        changed(kind, WatchEvent.Type.MODIFIED, newObj);
      }
    }

    @Override
    public void onDelete(GenericKubernetesResource obj, boolean finalStateUnknown) {
      changed(kind, WatchEvent.Type.DELETED, obj);
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      if (listed.getCount() > 0) {
        listed.countDown();
      } else {
        LOG.info("{} were listed again at {}: resetting watches", kind.plural(), resourceVersion);
        resetWatches();
      }
    }
  }

  private void changed(Kind kind, WatchEvent.Type type, GenericKubernetesResource obj) {
    if (!ours(kind, obj)) {
      return;
    }
    String key = obj.getMetadata().getNamespace() + "/" + obj.getMetadata().getName();
    Resource r;
    try {
      r = ResourceMapping.fromCluster(kind, obj);
    } catch (IllegalArgumentException e) {
      // Someone wrote a value our model cannot hold (kubectl edit, another tool): it is not served,
      // and said so, until it is fixed or deleted.
      LOG.error("{}; it is hidden from Coldbrew until fixed", e.getMessage());
      synchronized (lock) {
        Resource last = cache.get(kind).remove(key);
        if (last != null) {
          publish(WatchEvent.Type.DELETED, last);
        }
      }
      return;
    }
    synchronized (lock) {
      if (type == WatchEvent.Type.DELETED) {
        cache.get(kind).remove(key);
      } else {
        cache.get(kind).put(key, r);
      }
      publish(type, r);
    }
  }

  /** Numbers and publishes one change; called holding {@link #lock}. */
  private void publish(WatchEvent.Type type, Resource r) {
    long seq = sequence + 1;
    history.publish(List.of(WatchEvent.of(type, seq, r)));
    sequence = seq;
    lock.notifyAll();
  }

  /**
   * After a 409 on a write sent with {@code sentVersion}: waits (at most {@code max}) until the
   * cache holds another version of the object, so the caller's retry reads what won instead of
   * sending the same stale version again.
   */
  private void awaitNewerThan(Kind kind, String ns, String name, String sentVersion, Duration max) {
    if (direct || sentVersion == null) {
      return;
    }
    long deadline = System.nanoTime() + max.toNanos();
    synchronized (lock) {
      while (true) {
        Resource r = cache.get(kind).get(ns + "/" + name);
        if (r == null || !sentVersion.equals(r.metadata.resourceVersion)) {
          return;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        try {
          lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void resetWatches() {
    long at = sequence;
    for (ResettableWatch w : List.copyOf(watches)) {
      w.reset(at);
    }
  }

  /** A history watch that this store can also end with RESET (on an informer's relist). */
  private final class ResettableWatch implements Watch {
    private final WatchListener listener;
    private Watch inner;
    private boolean done;

    ResettableWatch(WatchListener listener) {
      this.listener = listener;
    }

    synchronized void deliver(WatchEvent e) {
      if (done) {
        return;
      }
      if (e.type() == WatchEvent.Type.RESET) {
        done = true;
        watches.remove(this);
      }
      listener.onEvent(e);
    }

    void start(long from) {
      Watch w = history.watch(from, this::deliver);
      boolean stop;
      synchronized (this) {
        inner = w;
        stop = done;
      }
      if (stop) {
        w.close();
      }
    }

    void reset(long at) {
      closeInner();
      deliver(WatchEvent.reset(at));
    }

    private void closeInner() {
      Watch w;
      synchronized (this) {
        w = inner;
      }
      if (w != null) {
        w.close();
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        done = true;
      }
      watches.remove(this);
      closeInner();
    }
  }

  // ------------------------------------------------------------------ reads

  @Override
  public Optional<Resource> get(Kind kind, String namespace, String name) {
    checkOpen();
    if (direct) {
      GenericKubernetesResource g = liveGet(kind, namespace, name);
      return g == null ? Optional.empty() : Optional.of(decodeLive(kind, g));
    }
    Resource r = cache.get(kind).get(namespace + "/" + name);
    return r == null ? Optional.empty() : Optional.of(ResourceCodec.copy(r));
  }

  @Override
  public ListResult list(Kind kind, String namespace) {
    checkOpen();
    if (direct) {
      return new ListResult(listLive(kind, namespace).items(), 0);
    }
    List<Resource> shared;
    long at;
    synchronized (lock) {
      shared = new ArrayList<>(cache.get(kind).values());
      at = sequence;
    }
    List<Resource> items = new ArrayList<>(shared.size());
    for (Resource r : shared) {
      if (namespace == null || namespace.equals(r.metadata.namespace)) {
        items.add(r);
      }
    }
    items.sort(
        Comparator.comparing((Resource r) -> r.metadata.namespace)
            .thenComparing(r -> r.metadata.name));
    items.replaceAll(ResourceCodec::copy);
    return new ListResult(items, at);
  }

  @Override
  public Watch watch(long fromResourceVersion, WatchListener listener) {
    checkOpen();
    if (direct) {
      throw new StoreException(
          Reason.INVALID, "a store opened with direct() cannot watch: open it with open()");
    }
    ResettableWatch w = new ResettableWatch(listener);
    watches.add(w);
    w.start(fromResourceVersion);
    return w;
  }

  // ------------------------------------------------------------------ writes

  private NonNamespaceOperation<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
      api(Kind kind, String namespace) {
    return client.genericKubernetesResources(ClusterKinds.context(kind)).inNamespace(namespace);
  }

  @Override
  public Resource create(Resource resource) {
    checkOpen();
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    if (isEmpty(ns)) {
      throw invalid(kind, ns, name, "metadata.namespace: empty (expected: a namespace)");
    }
    if (isEmpty(name) && isEmpty(resource.metadata.generateName)) {
      throw invalid(
          kind, ns, name, "metadata.name: empty (expected: a name, or metadata.generateName)");
    }
    GenericKubernetesResource g = ResourceMapping.toCluster(resource, false);
    var meta = g.getMetadata();
    meta.setUid(null);
    meta.setResourceVersion(null);
    meta.setGeneration(null);
    meta.setCreationTimestamp(null);
    meta.setDeletionTimestamp(null);
    try {
      return answered(ResourceMapping.fromCluster(kind, api(kind, ns).resource(g).create()));
    } catch (KubernetesClientException e) {
      throw failure(e, kind, ns, isEmpty(name) ? resource.metadata.generateName : name, true);
    }
  }

  @Override
  public Resource update(Resource resource) {
    checkOpen();
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    requireVersion(resource);
    Resource cached = direct ? null : cache.get(kind).get(ns + "/" + name);
    if (cached != null
        && resource.metadata.resourceVersion.equals(cached.metadata.resourceVersion)
        && sameJson(asStored(resource, cached), ResourceCodec.toTree(cached))) {
      return ResourceCodec.copy(cached);
    }
    GenericKubernetesResource g = ResourceMapping.toCluster(resource, false);
    carryOver(kind, g, cached);
    try {
      return answered(ResourceMapping.fromCluster(kind, api(kind, ns).resource(g).update()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        awaitNewerThan(kind, ns, name, resource.metadata.resourceVersion, CONFLICT_WAIT);
      }
      throw failure(e, kind, ns, name, false);
    }
  }

  @Override
  public Resource updateStatus(Resource resource) {
    checkOpen();
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    if (!ClusterKinds.hasStatus(kind)) {
      throw invalid(kind, ns, name, kind.kindName() + " have no status");
    }
    requireVersion(resource);
    Resource cached = direct ? null : cache.get(kind).get(ns + "/" + name);
    if (cached != null
        && resource.metadata.resourceVersion.equals(cached.metadata.resourceVersion)
        && sameJson(
            ResourceCodec.toTree(resource).path("status"),
            ResourceCodec.toTree(cached).path("status"))) {
      return ResourceCodec.copy(cached);
    }
    GenericKubernetesResource g = ResourceMapping.toCluster(resource, true);
    carryOver(kind, g, cached);
    try {
      return answered(ResourceMapping.fromCluster(kind, api(kind, ns).resource(g).updateStatus()));
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        awaitNewerThan(kind, ns, name, resource.metadata.resourceVersion, CONFLICT_WAIT);
      }
      throw failure(e, kind, ns, name, false);
    }
  }

  @Override
  public void delete(Kind kind, String namespace, String name) {
    checkOpen();
    List<StatusDetails> deleted;
    try {
      deleted =
          api(kind, namespace)
              .withName(name)
              .withPropagationPolicy(DeletionPropagation.BACKGROUND)
              .delete();
      health.answered();
    } catch (KubernetesClientException e) {
      throw failure(e, kind, namespace, name, false);
    }
    if (deleted.isEmpty()) {
      throw new StoreException(Reason.NOT_FOUND, describe(kind, namespace, name) + " not found");
    }
  }

  @Override
  public CompletableFuture<Resource> createAsync(Resource resource) {
    return async(() -> create(resource));
  }

  @Override
  public CompletableFuture<Resource> updateAsync(Resource resource) {
    return async(() -> update(resource));
  }

  @Override
  public CompletableFuture<Resource> updateStatusAsync(Resource resource) {
    return async(() -> updateStatus(resource));
  }

  @Override
  public CompletableFuture<Void> deleteAsync(Kind kind, String namespace, String name) {
    return async(
        () -> {
          delete(kind, namespace, name);
          return null;
        });
  }

  private <T> CompletableFuture<T> async(Supplier<T> write) {
    checkOpen();
    return CompletableFuture.supplyAsync(write, writers);
  }

  @Override
  public void close() {
    closed = true;
    informers.values().forEach(SharedIndexInformer::stop);
    for (ResettableWatch w : List.copyOf(watches)) {
      w.close();
    }
    history.close();
    writers.shutdown();
  }

  // ------------------------------------------------------------------ direct reads

  private GenericKubernetesResource liveGet(Kind kind, String namespace, String name) {
    try {
      GenericKubernetesResource g = api(kind, namespace).withName(name).get();
      health.answered();
      boolean ours =
          kind != Kind.ENDPOINTS
              || g == null
              || g.getMetadata().getLabels() != null
                  && g.getMetadata().getLabels().containsKey(ENDPOINTS_LABEL);
      return ours ? g : null;
    } catch (KubernetesClientException e) {
      throw failure(e, kind, namespace, name, false);
    }
  }

  /** A collection read from the API server, with its resourceVersion to {@link #watchLive} from. */
  public record LiveList(List<Resource> items, String resourceVersion) {}

  /**
   * A change {@link #watchLive} saw: {@code ADDED}, {@code MODIFIED} or {@code DELETED} with the
   * resource after it; or the end of the watch, {@code GONE} (the server can no longer go on from
   * where the watch was: list again) or {@code FAILED} (with the reason in {@code detail}).
   */
  public record LiveEvent(String type, Resource resource, String detail) {}

  /**
   * Lists a collection on the API server (a store opened with {@link #direct}), sorted by namespace
   * and name, with the collection's resourceVersion; {@code namespace} null lists all.
   */
  public LiveList listLive(Kind kind, String namespace) {
    checkOpen();
    GenericKubernetesResourceList list;
    try {
      list = collection(kind, namespace).list();
      health.answered();
    } catch (KubernetesClientException e) {
      throw failure(e, kind, namespace == null ? "*" : namespace, "*", false);
    }
    List<Resource> items = new ArrayList<>();
    for (GenericKubernetesResource g : list.getItems()) {
      if (ours(kind, g)) {
        items.add(decodeLive(kind, g));
      }
    }
    items.sort(
        Comparator.comparing((Resource r) -> r.metadata.namespace)
            .thenComparing(r -> r.metadata.name));
    return new LiveList(items, list.getMetadata().getResourceVersion());
  }

  /**
   * Watches a collection on the API server from {@code resourceVersion} (of {@link #listLive}),
   * passing each change to {@code sink} on the client's thread, until closed. A watch the server
   * ends is resumed where it was; the last event is {@code GONE} or {@code FAILED} when it cannot
   * be. An object that cannot be read as its kind is skipped.
   */
  public Watch watchLive(
      Kind kind, String namespace, String resourceVersion, Consumer<LiveEvent> sink) {
    checkOpen();
    Watcher<GenericKubernetesResource> watcher =
        new Watcher<>() {
          @Override
          public void eventReceived(Action action, GenericKubernetesResource g) {
            if (action == Action.BOOKMARK || action == Action.ERROR || !ours(kind, g)) {
              return;
            }
            try {
              sink.accept(new LiveEvent(action.name(), ResourceMapping.fromCluster(kind, g), null));
            } catch (IllegalArgumentException e) {
              LOG.warn("{} that cannot be read skipped: {}", kind.kindName(), e.getMessage());
            }
          }

          @Override
          public void onClose(WatcherException e) {
            sink.accept(
                e.isHttpGone()
                    ? new LiveEvent("GONE", null, e.getMessage())
                    : new LiveEvent("FAILED", null, e.getMessage()));
          }

          @Override
          public void onClose() {
            // closed by us
          }
        };
    try {
      io.fabric8.kubernetes.client.Watch w =
          collection(kind, namespace)
              .watch(
                  new ListOptionsBuilder().withResourceVersion(resourceVersion).build(), watcher);
      health.answered();
      return w::close;
    } catch (KubernetesClientException e) {
      throw failure(e, kind, namespace == null ? "*" : namespace, "*", false);
    }
  }

  /** A kind's objects on the API server (Endpoints: only the ServerlessServices'). */
  private FilterWatchListDeletable<
          GenericKubernetesResource,
          GenericKubernetesResourceList,
          io.fabric8.kubernetes.client.dsl.Resource<GenericKubernetesResource>>
      collection(Kind kind, String namespace) {
    var op = client.genericKubernetesResources(ClusterKinds.context(kind));
    var in = namespace == null ? op.inAnyNamespace() : op.inNamespace(namespace);
    return kind == Kind.ENDPOINTS ? in.withLabel(ENDPOINTS_LABEL) : in;
  }

  /**
   * Whether an object listed or watched as {@code kind} is one: fabric8's mock serves core v1
   * Services on our services.serving.coldbrew.dev too (it matches version and plural, not group); a
   * real API server never does.
   */
  private static boolean ours(Kind kind, GenericKubernetesResource g) {
    return !ClusterKinds.isCustom(kind) || ClusterKinds.apiVersion(kind).equals(g.getApiVersion());
  }

  private static Resource decodeLive(Kind kind, GenericKubernetesResource g) {
    try {
      return ResourceMapping.fromCluster(kind, g);
    } catch (IllegalArgumentException e) {
      throw new StoreException(Reason.INVALID, e.getMessage(), e);
    }
  }

  private <T> T answered(T result) {
    health.answered();
    return result;
  }

  // ------------------------------------------------------------------ helpers

  /**
   * {@code resource} as the server would store it from {@code cached}: identity, generation and
   * status kept from {@code cached}.
   */
  private static ObjectNode asStored(Resource resource, Resource cached) {
    ObjectNode tree = ResourceCodec.toTree(resource);
    ObjectNode old = ResourceCodec.toTree(cached);
    ObjectNode meta = tree.withObjectProperty("metadata");
    JsonNode oldMeta = old.path("metadata");
    for (String f :
        List.of(
            "name", "namespace", "uid", "creationTimestamp", "generation", "deletionTimestamp")) {
      if (oldMeta.has(f)) {
        meta.set(f, oldMeta.get(f));
      } else {
        meta.remove(f);
      }
    }
    tree.remove("status");
    if (old.has("status")) {
      tree.set("status", old.get("status"));
    }
    return tree;
  }

  /** Keeps what we do not model, and identity the caller left out, on a PUT. */
  private void carryOver(Kind kind, GenericKubernetesResource g, Resource cached) {
    var meta = g.getMetadata();
    GenericKubernetesResource raw =
        direct
            ? liveGet(kind, meta.getNamespace(), meta.getName())
            : informers.get(kind).getIndexer().getByKey(meta.getNamespace() + "/" + meta.getName());
    if (raw != null && raw.getMetadata().getFinalizers() != null) {
      meta.setFinalizers(new ArrayList<>(raw.getMetadata().getFinalizers()));
    }
    if (cached != null) {
      if (meta.getUid() == null) {
        meta.setUid(cached.metadata.uid);
      }
      if (meta.getCreationTimestamp() == null) {
        meta.setCreationTimestamp(cached.metadata.creationTimestamp);
      }
    }
  }

  /** Equal as JSON: key order does not matter, and 1 as an int equals 1 as a long. */
  private static boolean sameJson(JsonNode a, JsonNode b) {
    return a.equals(
        (x, y) ->
            x.equals(y)
                    || (x.isNumber() && y.isNumber() && x.decimalValue().equals(y.decimalValue()))
                ? 0
                : 1,
        b);
  }

  private void checkOpen() {
    if (closed) {
      throw new StoreException(
          Reason.UNAVAILABLE, "the store on " + client.getMasterUrl() + " is closed");
    }
  }

  private static void requireVersion(Resource r) {
    Kind kind = r.resourceKind();
    if (isEmpty(r.metadata.namespace) || isEmpty(r.metadata.name)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.namespace and metadata.name are required");
    }
    if (isEmpty(r.metadata.resourceVersion)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.resourceVersion: empty (expected: the resourceVersion last read)");
    }
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static StoreException invalid(Kind kind, String ns, String name, String message) {
    return new StoreException(Reason.INVALID, describe(kind, ns, name) + ": " + message);
  }

  private static String describe(Kind kind, String ns, String name) {
    return kind.kindName() + " " + ns + "/" + name;
  }

  /** The API server's answer as a StoreException naming the resource. */
  private StoreException failure(
      KubernetesClientException e, Kind kind, String ns, String name, boolean creating) {
    String what = describe(kind, ns, name);
    int code = e.getCode();
    StoreException out = translate(e, what, code, creating, kind);
    if (out.reason() == Reason.UNAVAILABLE) {
      health.failed(out.getMessage());
    } else {
      health.answered();
    }
    return out;
  }

  private StoreException translate(
      KubernetesClientException e, String what, int code, boolean creating, Kind kind) {
    return switch (code) {
      case 404 ->
          creating
              ? new StoreException(
                  Reason.NOT_FOUND,
                  what
                      + " cannot be created: "
                      + ApiCalls.reasonOf(e)
                      + (ClusterKinds.isCustom(kind)
                          ? " (is CustomResourceDefinition "
                              + ClusterKinds.crdName(kind)
                              + " installed? kubectl apply -f "
                              + Crds.INSTALL_FILE
                              + ")"
                          : ""),
                  e)
              : new StoreException(Reason.NOT_FOUND, what + " not found", e);
      case 409 ->
          creating
              ? new StoreException(
                  Reason.ALREADY_EXISTS, what + " already exists; update it instead", e)
              : new StoreException(
                  Reason.CONFLICT,
                  what + " was changed since it was read: read it again and retry",
                  e);
      case 400, 422 -> new StoreException(Reason.INVALID, what + ": " + ApiCalls.reasonOf(e), e);
      case 401, 403 ->
          new StoreException(
              Reason.UNAVAILABLE,
              what
                  + ": the API server refused the request (HTTP "
                  + code
                  + "): check the controller's credentials and its ClusterRole",
              e);
      default ->
          new StoreException(
              Reason.UNAVAILABLE,
              what
                  + ": the Kubernetes API server at "
                  + client.getMasterUrl()
                  + " is unavailable: "
                  + ApiCalls.reasonOf(e),
              e);
    };
  }
}
