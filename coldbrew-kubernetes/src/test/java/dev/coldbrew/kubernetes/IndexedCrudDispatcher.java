package dev.coldbrew.kubernetes;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.crud.AttributeType;
import io.fabric8.mockwebserver.http.MockResponse;
import java.net.HttpURLConnection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * fabric8's CRUD dispatcher with its objects indexed by name. The mock finds an object by testing
 * every stored object against the request's attributes, so each create, update or get by name costs
 * time in proportion to what it holds, and filling it costs the square: 1000 Services (~10 objects
 * each) took minutes and 2000 blocked it for tens of seconds at a time. Here a request that names
 * its object tests only the objects of that name; everything else — the stored keys, how a key
 * matches, lists, watches, deletes and what they answer — is the mock's own.
 *
 * <p>The index follows every change the mock makes to its store (all go through {@link
 * #processEvent}, or {@link #reset}); a key it computes that the mock did not store fails loudly. A
 * get by name holds this object's monitor, which {@link #processEvent} takes inside the mock's
 * write lock, so it never sees an update half done; nothing here takes the mock's lock while
 * holding the monitor.
 */
final class IndexedCrudDispatcher extends KubernetesCrudDispatcher {
  private final Map<String, Set<AttributeSet>> byName = new ConcurrentHashMap<>();

  @Override
  public MockResponse handleGet(String path) {
    AttributeSet query = attributeExtractor.fromPath(path);
    if (path.contains("watch=true") || nameOf(query) == null) {
      return super.handleGet(path);
    }
    Map.Entry<AttributeSet, String> found;
    synchronized (this) { // not between a change's two steps (the mock's own lock is private)
      found = findResource(query);
    }
    return found == null
        ? new MockResponse().setResponseCode(HttpURLConnection.HTTP_NOT_FOUND)
        : new MockResponse().setResponseCode(HttpURLConnection.HTTP_OK).setBody(found.getValue());
  }

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    String name = nameOf(attributes);
    if (name == null) {
      return super.findResource(attributes);
    }
    for (AttributeSet key : byName.getOrDefault(name, Set.of())) {
      String value = map.get(key);
      if (value != null && key.matches(attributes)) {
        return Map.entry(key, value);
      }
    }
    return null;
  }

  @Override
  public synchronized void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes != null) {
      String old = nameOf(oldAttributes);
      if (old != null) {
        byName.computeIfPresent(
            old, (k, keys) -> keys.remove(oldAttributes) && keys.isEmpty() ? null : keys);
      }
    }
    if (newState != null) {
      AttributeSet stored = storedKey(pathAttributes, resource, newState);
      if (!map.containsKey(stored)) {
        throw new IllegalStateException("index out of step with the mock's store: " + stored);
      }
      String name = nameOf(stored);
      if (name != null) {
        byName.computeIfAbsent(name, k -> ConcurrentHashMap.newKeySet()).add(stored);
      }
    }
  }

  @Override
  public void reset() {
    super.reset();
    byName.clear();
  }

  /** The key the mock stores newState under (as its processEvent computes it). */
  private AttributeSet storedKey(
      AttributeSet pathAttributes, GenericKubernetesResource resource, String newState) {
    KubernetesAttributesExtractor extractor = (KubernetesAttributesExtractor) attributeExtractor;
    AttributeSet key =
        resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
    return key.containsKey(KubernetesAttributesExtractor.PLURAL)
        ? key
        : AttributeSet.merge(pathAttributes, key);
  }

  /** The single name an attribute set requires, or null (none, or any). */
  private static String nameOf(AttributeSet attributes) {
    Attribute a = attributes.getAttribute(KubernetesAttributesExtractor.NAME);
    if (a == null || a.getType() != AttributeType.WITH || a.getValues().size() != 1) {
      return null;
    }
    String name = a.getValues().get(0).toString();
    return "*".equals(name) ? null : name; // "*" matches any name: the mock's own search
  }
}
