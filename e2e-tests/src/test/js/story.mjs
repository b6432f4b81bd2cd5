// The core story of issue 15 with the Azure SDK for JavaScript, through the front door over HTTPS.
// Run by AzureSdkIT (e2e-tests) once per compute major: it installs this folder with npm into target/js-sdk and passes
// everything in the environment:
//   GALLERY_DOOR             the door, https://localhost:<port> (its CA in NODE_EXTRA_CA_CERTS)
//   GALLERY_TOKEN            a Keycloak access token of the user (alice of contoso)
//   GALLERY_SUBSCRIPTION     the user's subscription
//   GALLERY_SHARE_WITH       the other tenant's subscription the gallery is shared with
//   GALLERY_RECIPIENT_TOKEN  a token of the other tenant's administrator (bob of fabrikam), who accepts the share
//   GALLERY_PRINCIPAL        the principal that gets Reader on the gallery
//   GALLERY_BLOB_URI         the disk, uploaded through the door's data plane
//   GALLERY_COMPUTE_PACKAGE  arm-compute-22 or arm-compute-25 (npm aliases of @azure/arm-compute, package.json)
//   GALLERY_NAME             a name for this run's resources
//   GALLERY_RESULT           where the result goes: {"compute","steps":[{"step","ok","ms","error"}]}
// Each step is recorded on its own; one that fails does not stop the ones after it.
import { readFileSync, writeFileSync } from "node:fs";
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { AuthorizationManagementClient } from "@azure/arm-authorization";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
};
const door = env("GALLERY_DOOR");
const token = env("GALLERY_TOKEN");
const sub = env("GALLERY_SUBSCRIPTION");
const shareWith = env("GALLERY_SHARE_WITH");
const recipientToken = env("GALLERY_RECIPIENT_TOKEN");
const principal = env("GALLERY_PRINCIPAL");
const blobUri = env("GALLERY_BLOB_URI");
const computePackage = env("GALLERY_COMPUTE_PACKAGE");
const name = env("GALLERY_NAME");
const resultFile = env("GALLERY_RESULT");

const require = createRequire(import.meta.url);
const computeVersion = JSON.parse(readFileSync(require.resolve(`${computePackage}/package.json`), "utf8")).version;
const { ComputeManagementClient } = await import(computePackage);

// The SDK's standard bearer policy asks this credential for a token; the test hands it alice's Keycloak token.
const credential = {
  getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 4 * 60 * 1000 }),
};
const scopes = [`${door}/.default`];
// 22.x (core-client) takes endpoint and credentialScopes; 25.x (core-rest-pipeline) endpoint and credentials.scopes
const options = { endpoint: door, credentialScopes: scopes, credentials: { scopes } };
const compute = new ComputeManagementClient(credential, sub, options);
const authz = new AuthorizationManagementClient(credential, sub, options);

const rg = `rg-sdk-${name}`;
const gallery = `${name}gallery`;
const group = `/subscriptions/${sub}/resourceGroups/${rg}`;
const galleryId = `${group}/providers/Microsoft.Compute/galleries/${gallery}`;
const steps = [];

function describe(e) {
  if (e && e.statusCode) {
    let target = e.details?.error?.target ?? e.details?.target;
    if (target === undefined && e.response?.bodyAsText) {
      try {
        target = JSON.parse(e.response.bodyAsText).error?.target;
      } catch {
        // not JSON: no target to show
      }
    }
    return `${e.statusCode} on ${e.request?.method} ${e.request?.url} code=${e.code} target=${target} message=${e.message}`;
  }
  return String(e && e.stack ? e.stack : e);
}

async function step(title, body) {
  const started = Date.now();
  try {
    const value = await body();
    steps.push({ step: title, ok: true, ms: Date.now() - started });
    console.log(`PASS ${title} (${Date.now() - started} ms)`);
    return value;
  } catch (e) {
    steps.push({ step: title, ok: false, ms: Date.now() - started, error: describe(e) });
    console.log(`FAIL ${title}: ${describe(e)}`);
    return undefined;
  }
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

// A long-running operation the way each major offers it: 25.x's operation returns a poller to await; 22.x has
// begin<Op>AndWait.
function lro(operations, op, ...args) {
  const andWait = operations[`begin${op[0].toUpperCase()}${op.slice(1)}AndWait`];
  if (typeof operations[op] === "function") {
    return operations[op](...args);
  }
  return andWait.call(operations, ...args);
}

async function all(iterator) {
  const items = [];
  for await (const item of iterator) {
    items.push(item);
  }
  return items;
}

try {
  const image = await step("managed image from the uploaded disk", () =>
    lro(compute.images, "createOrUpdate", rg, `${name}-src`, {
      location: "westeurope",
      storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", blobUri } },
    }));
  const imageId = `${group}/providers/Microsoft.Compute/images/${name}-src`;
  if (!image) {
    // the rest of the story needs the image: made without the SDK (the failure above stays reported)
    const made = await fetch(`${door}${imageId}?api-version=2024-03-03`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({
        location: "westeurope",
        properties: { storageProfile: { osDisk: { osType: "Linux", osState: "Generalized", blobUri } } },
      }),
    });
    console.log(`managed image made without the SDK: ${made.status}`);
  }

  await step("gallery", async () => {
    const g = await lro(compute.galleries, "createOrUpdate", rg, gallery, {
      location: "westeurope",
      description: `the core story with @azure/arm-compute ${computeVersion}`,
    });
    check(g.name === gallery, `name ${g.name}`);
  });
  await step("definition with recommendations", async () => {
    const d = await lro(compute.galleryImages, "createOrUpdate", rg, gallery, "nginx", {
      location: "westeurope",
      osType: "Linux",
      osState: "Generalized",
      identifier: { publisher: "corpLinuxTeam", offer: "nginx", sku: "ubuntu-16.04" },
      recommended: { vCPUs: { min: 2, max: 8 }, memory: { min: 2, max: 16 } },
    });
    check(d.identifier.publisher === "corpLinuxTeam", JSON.stringify(d.identifier));
    check(d.recommended?.vCPUs?.max === 8, JSON.stringify(d.recommended));
  });
  await step("version 1.0.0 in two regions with replica counts", async () => {
    const v = await lro(compute.galleryImageVersions, "createOrUpdate", rg, gallery, "nginx", "1.0.0", {
      location: "westeurope",
      publishingProfile: {
        targetRegions: [
          { name: "westeurope", regionalReplicaCount: 1 },
          { name: "northeurope", regionalReplicaCount: 2 },
        ],
      },
      storageProfile: { source: { id: imageId } },
    });
    check(v.provisioningState === "Succeeded", `provisioningState ${v.provisioningState}`);
  });
  await step("get the version with its replication status", async () => {
    for (let i = 0; ; i++) {
      const v = await compute.galleryImageVersions.get(rg, gallery, "nginx", "1.0.0", { expand: "ReplicationStatus" });
      if (v.replicationStatus?.aggregatedState === "Completed") {
        check(v.replicationStatus.summary.length === 2, JSON.stringify(v.replicationStatus));
        return;
      }
      check(i < 60, `replication not completed: ${JSON.stringify(v.replicationStatus)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  await step("list galleries, definitions and versions", async () => {
    const galleries = await all(compute.galleries.listByResourceGroup(rg));
    check(galleries.some((g) => g.name === gallery), `galleries ${galleries.map((g) => g.name)}`);
    const definitions = await all(compute.galleryImages.listByGallery(rg, gallery));
    check(definitions.length === 1, `definitions ${definitions.map((d) => d.name)}`);
    const versions = await all(compute.galleryImageVersions.listByGalleryImage(rg, gallery, "nginx"));
    check(versions.length === 1 && versions[0].name === "1.0.0", `versions ${versions.map((v) => v.name)}`);
  });
  await step("gallery shared with the other tenant's subscription", async () => {
    const shared = await lro(compute.gallerySharingProfile, "update", rg, gallery, {
      operationType: "Add",
      groups: [{ type: "Subscriptions", ids: [shareWith] }],
    });
    check(shared.operationType === "Add", JSON.stringify(shared));
  });
  // a share with another tenant waits for that tenant's administrator (this system's rule, access-service README):
  // bob accepts through the door; no SDK has this call
  await step("the other tenant's administrator accepts the invitation", async () => {
    const unique = (await compute.galleries.get(rg, gallery)).identifier.uniqueName;
    const api = "?api-version=2024-03-03";
    const headers = { authorization: `Bearer ${recipientToken}` };
    for (let i = 0; ; i++) {
      const listed = await (await fetch(`${door}/providers/Microsoft.Compute/sharingInvitations${api}`, { headers })).json();
      const pending = (listed.value ?? []).filter((x) =>
        x.properties?.galleryUniqueName?.toLowerCase() === unique.toLowerCase() && x.properties?.state === "Pending");
      if (pending.length > 0) {
        for (const invitation of pending) {
          const accepted = await fetch(`${door}/providers/Microsoft.Compute/sharingInvitations/${invitation.name}/accept${api}`,
            { method: "POST", headers });
          check(accepted.status === 200, `accept: ${accepted.status} ${await accepted.text()}`);
        }
        return;
      }
      check(i < 60, `no pending invitation for ${unique}: ${JSON.stringify(listed)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  });
  await step("gallery GET with $select=Permissions shows the sharing profile", async () => {
    // catalog learns the accepted share from access-service's events
    for (let i = 0; ; i++) {
      const g = await compute.galleries.get(rg, gallery, { select: "Permissions" });
      if (g.sharingProfile?.groups?.some((x) => x.ids?.includes(shareWith))) {
        return;
      }
      check(i < 50, `the sharing profile lacks ${shareWith}: ${JSON.stringify(g.sharingProfile)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  });
  const assignment = randomUUID();
  const assigned = await step("Reader assignment (role found by $filter=roleName eq 'Reader')", async () => {
    const roles = await all(authz.roleDefinitions.list(galleryId, { filter: "roleName eq 'Reader'" }));
    check(roles.length === 1 && roles[0].roleName === "Reader", `roles ${roles.map((r) => r.roleName)}`);
    const a = await authz.roleAssignments.create(galleryId, assignment, {
      roleDefinitionId: roles[0].id,
      principalId: principal,
      principalType: "User",
    });
    check(a.principalId === principal, JSON.stringify(a));
    return a;
  });
  await step("a missing resource is an ARM error with code and target", async () => {
    try {
      await compute.galleryImageVersions.get(rg, gallery, "nginx", "9.9.9");
    } catch (e) {
      check(e.statusCode === 404, describe(e));
      check(e.code, `no code: ${describe(e)}`);
      check(!describe(e).includes("target=undefined"), `no target: ${describe(e)}`);
      return;
    }
    throw new Error("no error");
  });
  await step("delete the Reader assignment", async () => {
    check(assigned, "no assignment was made");
    await authz.roleAssignments.delete(galleryId, assignment);
  });
  await step("delete the version", () => lro(compute.galleryImageVersions, "delete", rg, gallery, "nginx", "1.0.0"));
  await step("delete the definition", () => lro(compute.galleryImages, "delete", rg, gallery, "nginx"));
  await step("delete the gallery", () => lro(compute.galleries, "delete", rg, gallery));
  await step("delete the managed image", () => lro(compute.images, "delete", rg, `${name}-src`));
  await step("the gallery is gone", async () => {
    try {
      await compute.galleries.get(rg, gallery);
    } catch (e) {
      check(e.statusCode === 404, describe(e));
      return;
    }
    throw new Error("the gallery is still there");
  });
} finally {
  writeFileSync(resultFile, JSON.stringify({ compute: computeVersion, steps }, null, 1));
}
