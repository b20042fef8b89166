package dev.coldbrew.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * CPU and memory requests and limits, as Kubernetes quantities ({@link Quantity}): a container's
 * limits become its engine's; processes ignore them, as every runtime ignores requests. Not
 * thread-safe.
 */
public class ResourceRequirements {
  public Map<String, JsonNode> limits;
  public Map<String, JsonNode> requests;
  public JsonNode claims;
}
