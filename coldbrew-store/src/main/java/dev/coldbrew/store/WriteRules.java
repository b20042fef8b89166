package dev.coldbrew.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.coldbrew.api.codec.ResourceCodec;
import dev.coldbrew.api.model.Kind;
import dev.coldbrew.api.model.Resource;
import dev.coldbrew.store.RowStorage.Row;
import dev.coldbrew.store.StoreException.Reason;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * The Kubernetes API server's write rules, spelled once for every storage that keeps resources
 * itself ({@link SqliteStore}, {@link InMemoryStore}). {@code create} sets uid, resourceVersion,
 * creationTimestamp (whole seconds of the clock) and generation 1, drops the status, and fills an
 * empty name from {@code metadata.generateName} plus 5 random lowercase letters and digits; {@code
 * update} replaces metadata (except uid, creationTimestamp and generation) and spec, keeps the
 * stored status, bumps generation when anything outside metadata and status changed, and writes
 * nothing when nothing changed; {@code updateStatus} replaces only the status, with its own
 * resourceVersion check, and writes nothing for an equal status; {@code delete} removes the
 * resource and, breadth first, everything whose owner references name it, recursively. Stale
 * resourceVersions are CONFLICT, missing resources NOT_FOUND, malformed requests INVALID, each
 * message naming the resource. A write happens in two steps: the rules check and encode it on the
 * caller's thread ({@link #create} etc., which throw INVALID at once), and the storage's writer
 * {@linkplain Write#apply applies} it against a {@link RowStorage}, which yields the stored JSON
 * and the write's watch events. Thread-safe: any thread may prepare writes; each {@link Write} is
 * applied once, by one thread.
 */
public final class WriteRules {
  private static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
  private static final int NAME_SUFFIX_LENGTH = 5;
  private static final int NAME_ATTEMPTS = 9;

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param clock the source of creationTimestamp
   */
  public WriteRules(Clock clock) {
    this.clock = clock;
  }

  /**
   * One checked, encoded write, waiting to be applied. Made by {@link WriteRules}; applied once, by
   * one thread.
   */
  public abstract static class Write {
    private final Kind kind;
    private final String namespace;
    private final String name;

    private Write(Kind kind, String namespace, String name) {
      this.kind = kind;
      this.namespace = namespace;
      this.name = name;
    }

    public Kind kind() {
      return kind;
    }

    public String namespace() {
      return namespace;
    }

    /** The name written (empty or null for a create with generateName). */
    public String name() {
      return name;
    }

    /** {@code Kind namespace/name}, for messages. */
    public String describe() {
      return WriteRules.describe(kind, namespace, name);
    }

    /**
     * Applies the write to {@code storage} and appends its watch events, in order, to {@code
     * events}. If it throws, the storage must roll the write back and the caller drop the events it
     * appended.
     *
     * @return the stored JSON the caller gets back (for a delete, the deleted resource as it was)
     * @throws StoreException ALREADY_EXISTS, NOT_FOUND, CONFLICT, CORRUPT (an unreadable row)
     */
    public abstract <E extends Exception> String apply(
        RowStorage<E> storage, List<WatchEvent> events) throws E;
  }

  /**
   * A create of {@code resource} (which is not changed).
   *
   * @throws StoreException INVALID without a namespace, or without a name and generateName
   */
  public Write create(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    String generateName = resource.metadata.generateName;
    boolean generate = isEmpty(name);
    if (isEmpty(ns)) {
      throw invalid(kind, ns, name, "metadata.namespace: empty (expected: a namespace)");
    }
    if (generate && isEmpty(generateName)) {
      throw invalid(
          kind, ns, name, "metadata.name: empty (expected: a name, or metadata.generateName)");
    }
    ObjectNode tree = ResourceCodec.toTree(resource);
    tree.remove("status");
    return new Write(kind, ns, name) {
      @Override
      public <E extends Exception> String apply(RowStorage<E> storage, List<WatchEvent> events)
          throws E {
        String actual = name;
        if (generate) {
          for (int attempt = 1; ; attempt++) {
            actual = generateName + randomSuffix();
            if (storage.read(kind, ns, actual) == null) {
              break;
            }
            if (attempt == NAME_ATTEMPTS) {
              throw new StoreException(
                  Reason.ALREADY_EXISTS,
                  WriteRules.describe(kind, ns, actual)
                      + " already exists; no free generated name");
            }
          }
        } else if (storage.read(kind, ns, actual) != null) {
          throw new StoreException(
              Reason.ALREADY_EXISTS,
              WriteRules.describe(kind, ns, actual) + " already exists; update it instead");
        }
        long rv = storage.nextResourceVersion();
        normalize(tree, kind);
        ObjectNode meta = meta(tree);
        String uid = UUID.randomUUID().toString();
        meta.put("name", actual);
        meta.put("namespace", ns);
        meta.put("uid", uid);
        meta.put("generation", 1L);
        meta.put("resourceVersion", Long.toString(rv));
        meta.put(
            "creationTimestamp", Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString());
        String json = ResourceCodec.toJson(tree);
        storage.insert(new Row(kind, ns, actual, uid, rv, json), ownerUids(tree));
        events.add(new WatchEvent(WatchEvent.Type.ADDED, rv, kind, ns, actual, json));
        return json;
      }
    };
  }

  /**
   * An update of metadata and spec from {@code resource} (which is not changed).
   *
   * @throws StoreException INVALID without a namespace, name or a numeric resourceVersion
   */
  public Write update(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    long expected = expectedVersion(resource);
    ObjectNode tree = ResourceCodec.toTree(resource);
    return new Write(kind, ns, name) {
      @Override
      public <E extends Exception> String apply(RowStorage<E> storage, List<WatchEvent> events)
          throws E {
        Row stored = readForWrite(storage, this, expected);
        ObjectNode oldTree = stored.tree();
        normalize(tree, kind);
        ObjectNode oldMeta = meta(oldTree);
        ObjectNode meta = meta(tree);
        for (String f : List.of("name", "namespace", "uid", "creationTimestamp")) {
          meta.set(f, oldMeta.get(f));
        }
        tree.remove("status");
        if (oldTree.has("status")) {
          tree.set("status", oldTree.get("status"));
        }
        long generation = oldMeta.path("generation").asLong(1);
        if (!sameJson(specOf(tree), specOf(oldTree))) {
          generation++;
        }
        meta.put("generation", generation);
        meta.put("resourceVersion", Long.toString(stored.resourceVersion()));
        if (sameJson(tree, oldTree)) {
          return stored.json();
        }
        long rv = storage.nextResourceVersion();
        meta.put("resourceVersion", Long.toString(rv));
        return replace(storage, events, stored, tree, rv, ownerUids(tree));
      }
    };
  }

  /**
   * An update of the status subresource from {@code resource} (which is not changed).
   *
   * @throws StoreException INVALID for a kind without status (Endpoints), or without a namespace,
   *     name or a numeric resourceVersion
   */
  public Write updateStatus(Resource resource) {
    Kind kind = resource.resourceKind();
    String ns = resource.metadata.namespace;
    String name = resource.metadata.name;
    if (kind == Kind.ENDPOINTS) {
      throw invalid(kind, ns, name, "Endpoints have no status");
    }
    long expected = expectedVersion(resource);
    JsonNode status = ResourceCodec.toTree(resource).get("status");
    return new Write(kind, ns, name) {
      @Override
      public <E extends Exception> String apply(RowStorage<E> storage, List<WatchEvent> events)
          throws E {
        Row stored = readForWrite(storage, this, expected);
        ObjectNode oldTree = stored.tree();
        ObjectNode tree = oldTree.deepCopy();
        tree.remove("status");
        if (status != null && !status.isNull()) {
          tree.set("status", status);
        }
        if (sameJson(tree, oldTree)) {
          return stored.json();
        }
        long rv = storage.nextResourceVersion();
        meta(tree).put("resourceVersion", Long.toString(rv));
        return replace(storage, events, stored, tree, rv, null);
      }
    };
  }

  /** A delete of the resource and, recursively, of everything its owner references lead to. */
  public Write delete(Kind kind, String namespace, String name) {
    return new Write(kind, namespace, name) {
      @Override
      public <E extends Exception> String apply(RowStorage<E> storage, List<WatchEvent> events)
          throws E {
        Row root = storage.read(kind, namespace, name);
        if (root == null) {
          throw notFound(kind, namespace, name);
        }
        ArrayDeque<Row> pending = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        pending.add(root);
        while (!pending.isEmpty()) {
          Row row = pending.poll();
          if (!seen.add(row.uid())) {
            continue;
          }
          ObjectNode tree = row.tree();
          storage.delete(row);
          long rv = storage.nextResourceVersion();
          meta(tree).put("resourceVersion", Long.toString(rv));
          events.add(
              new WatchEvent(
                  WatchEvent.Type.DELETED,
                  rv,
                  row.kind(),
                  row.namespace(),
                  row.name(),
                  ResourceCodec.toJson(tree)));
          pending.addAll(storage.ownedBy(row.uid()));
        }
        return root.json();
      }
    };
  }

  private static <E extends Exception> String replace(
      RowStorage<E> storage,
      List<WatchEvent> events,
      Row stored,
      ObjectNode tree,
      long rv,
      List<String> ownerUids)
      throws E {
    String json = ResourceCodec.toJson(tree);
    storage.replace(
        new Row(stored.kind(), stored.namespace(), stored.name(), stored.uid(), rv, json),
        ownerUids);
    events.add(
        new WatchEvent(
            WatchEvent.Type.MODIFIED, rv, stored.kind(), stored.namespace(), stored.name(), json));
    return json;
  }

  /** The stored row, after the resourceVersion check of an update. */
  private static <E extends Exception> Row readForWrite(
      RowStorage<E> storage, Write write, long expected) throws E {
    Row row = storage.read(write.kind, write.namespace, write.name);
    if (row == null) {
      throw notFound(write.kind, write.namespace, write.name);
    }
    if (row.resourceVersion() != expected) {
      throw new StoreException(
          Reason.CONFLICT,
          write.describe()
              + " was changed since it was read (resourceVersion "
              + expected
              + ", now "
              + row.resourceVersion()
              + "); read it again and retry");
    }
    return row;
  }

  private static long expectedVersion(Resource r) {
    String rv = r.metadata.resourceVersion;
    Kind kind = r.resourceKind();
    if (isEmpty(r.metadata.namespace) || isEmpty(r.metadata.name)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.namespace and metadata.name are required");
    }
    if (isEmpty(rv)) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.resourceVersion: empty (expected: the resourceVersion last read)");
    }
    try {
      return Long.parseLong(rv);
    } catch (NumberFormatException e) {
      throw invalid(
          kind,
          r.metadata.namespace,
          r.metadata.name,
          "metadata.resourceVersion: \"" + rv + "\" (expected: a resourceVersion from this store)");
    }
  }

  /** The uids the resource's owner references name (empty ones skipped). */
  private static List<String> ownerUids(ObjectNode tree) {
    JsonNode refs = meta(tree).get("ownerReferences");
    if (refs == null || !refs.isArray() || refs.isEmpty()) {
      return List.of();
    }
    List<String> uids = new ArrayList<>(refs.size());
    for (JsonNode ref : refs) {
      String uid = ref.path("uid").asText("");
      if (!uid.isEmpty()) {
        uids.add(uid);
      }
    }
    return uids;
  }

  private String randomSuffix() {
    StringBuilder sb = new StringBuilder(NAME_SUFFIX_LENGTH);
    for (int i = 0; i < NAME_SUFFIX_LENGTH; i++) {
      sb.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
    }
    return sb.toString();
  }

  private static boolean isEmpty(String s) {
    return s == null || s.isEmpty();
  }

  private static StoreException invalid(Kind kind, String ns, String name, String message) {
    return new StoreException(Reason.INVALID, describe(kind, ns, name) + ": " + message);
  }

  static StoreException notFound(Kind kind, String ns, String name) {
    return new StoreException(Reason.NOT_FOUND, describe(kind, ns, name) + " not found");
  }

  /** {@code Kind namespace/name}, the way every store message names a resource. */
  static String describe(Kind kind, String ns, String name) {
    return kind.kindName() + " " + ns + "/" + name;
  }

  private static ObjectNode meta(ObjectNode tree) {
    JsonNode m = tree.get("metadata");
    if (m instanceof ObjectNode o) {
      return o;
    }
    return tree.putObject("metadata");
  }

  private static void normalize(ObjectNode tree, Kind kind) {
    tree.put("apiVersion", kind.apiVersion());
    tree.put("kind", kind.kindName());
  }

  /** Everything but identity, metadata and status: what {@code generation} counts changes of. */
  private static ObjectNode specOf(ObjectNode tree) {
    ObjectNode spec = tree.deepCopy();
    spec.remove(List.of("apiVersion", "kind", "metadata", "status"));
    return spec;
  }

  /** Equal as JSON: key order does not matter, and 1 as an int equals 1 as a long. */
  private static boolean sameJson(JsonNode a, JsonNode b) {
    return a.equals(WriteRules::compareLeaves, b);
  }

  private static int compareLeaves(JsonNode a, JsonNode b) {
    if (a.equals(b)) {
      return 0;
    }
    if (a.isNumber() && b.isNumber()) {
      return a.decimalValue().compareTo(b.decimalValue());
    }
    return 1;
  }
}
