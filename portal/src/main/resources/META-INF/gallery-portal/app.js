// The portal's pages. The address's fragment is the ARM id of what is shown (#/subscriptions/{s}/resourceGroups/{rg}/
// providers/Microsoft.Compute/galleries/{g}/images/{d}/versions/{v}), so a page can be bookmarked and shared. Every
// value from the API reaches the page as text (textContent), never as markup.
import * as auth from './auth.js';
import { API, ArmError, call, configure, download, get, list, parse, upload, write } from './arm.js';

let config = { clientId: 'gallery-portal', tenants: [] };
let refreshTimer = null;
// each navigation's number: a page whose lists answer after the user has gone elsewhere shows nothing
let generation = 0;

// ---------------------------------------------------------------------------------------------------- DOM helpers

/** Children as given to h() and show(): arrays flattened (a section that is there only sometimes), nothing for null. */
const present = (children) => children.flat().filter((c) => c !== null && c !== undefined && c !== false);

function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of present(children)) {
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const $ = (id) => document.getElementById(id);
const link = (id, text) => h('a', { href: '#' + id }, text);
const state = (s) => h('span', { class: 'state-' + (s || 'unknown'), 'data-state': s || '' }, s || '—');

function show(...children) {
  $('view').replaceChildren(...present(children));
}

/** Shows a page's content, unless the user has navigated since the page began loading (its generation). */
function render(gen, ...children) {
  if (gen !== generation) return false;
  show(...children);
  return true;
}

function banner(message, kind = 'error') {
  const b = $('banner');
  if (!message) {
    b.hidden = true;
    b.replaceChildren();
    return;
  }
  b.className = kind === 'info' ? 'info' : '';
  b.hidden = false;
  if (message instanceof ArmError) {
    b.replaceChildren(h('span', { class: 'code' }, message.code), ': ', message.message,
      message.target ? h('span', { class: 'muted' }, ' (target: ', h('code', {}, message.target), ')') : null,
      message.requestId ? h('div', { class: 'muted' }, 'request id ', h('code', {}, message.requestId)) : null);
  } else {
    b.replaceChildren(String(message.message || message));
  }
}

function table(headings, rows, empty) {
  return h('table', {},
    h('thead', {}, h('tr', {}, headings.map((t) => h('th', {}, t)))),
    h('tbody', {}, rows.length ? rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c))))
      : h('tr', {}, h('td', { class: 'empty', colspan: headings.length }, empty))));
}

function props(pairs) {
  return h('dl', { class: 'props' }, pairs.filter(([, v]) => v !== undefined && v !== null && v !== '')
    .flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

/** Items a list page asks for: a gallery with 10,000 versions draws its first 50 at once, the rest on request. */
const PAGE = 50;

/**
 * A list as a table of its first page (PAGE items, the API's $top), with a button that adds the next page (by nextLink)
 * while there is one. Answers {element, first} (first: the first page's items).
 */
async function paged(name, headings, path, apiVersion, cells, empty) {
  const answer = (await call('GET', path + (path.includes('?') ? '&' : '?') + '$top=' + PAGE, { apiVersion })).body || {};
  const first = answer.value || [];
  let next = answer.nextLink || null;
  let shown = 0;
  const tbody = h('tbody', {});
  const count = h('span', { class: 'muted', 'data-count': name });
  const more = h('button', { type: 'button', class: 'secondary', name: 'more-' + name }, 'Show more');
  const add = (items) => {
    for (const item of items) tbody.append(h('tr', {}, cells(item).map((c) => h('td', {}, c))));
    shown += items.length;
    more.hidden = !next;
    count.textContent = next ? `${shown} shown, more to see` : shown > PAGE ? `all ${shown} shown` : '';
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try {
      const page = (await call('GET', next, { apiVersion })).body || {};
      next = page.nextLink || null;
      add(page.value || []);
    } catch (e) {
      banner(e);
    } finally {
      more.disabled = false;
    }
  });
  add(first);
  if (!shown) tbody.append(h('tr', {}, h('td', { class: 'empty', colspan: headings.length }, empty)));
  return { first, element: h('div', { 'data-list': name },
    h('table', {}, h('thead', {}, h('tr', {}, headings.map((t) => h('th', {}, t)))), tbody),
    h('div', { class: 'actions' }, more, count)) };
}

/** A form whose submit runs `action` with its values, the button disabled meanwhile, errors in the banner. */
/**
 * A form whose submit runs action(values, progress, signal). With options.cancel, a button of that label is shown while
 * the action runs and aborts the signal (a running upload is canceled: nothing of it is stored).
 */
function form(name, fields, label, action, options = {}) {
  const f = h('form', { class: 'panel', name, novalidate: true });
  for (const field of fields) {
    f.append(...present([h('label', { for: name + '-' + field.name }, field.label), input(name, field),
      field.hint ? h('div', { class: 'hint' }, field.hint) : null]));
  }
  const button = h('button', { type: 'submit', name: 'submit' }, label);
  const cancel = options.cancel ? h('button', { type: 'button', name: 'cancel', class: 'secondary', hidden: true },
    options.cancel) : null;
  f.append(h('div', { class: 'wide actions' }, ...present([button, cancel])));
  f.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    for (const field of fields) {
      const el = f.elements[field.name];
      values[field.name] = field.type === 'checkbox' ? el.checked : field.type === 'file' ? el.files[0] : el.value.trim();
    }
    button.disabled = true;
    banner(null);
    const running = new AbortController();
    if (cancel) {
      cancel.onclick = () => running.abort();
      cancel.hidden = false;
    }
    try {
      await action(values, (text) => { button.textContent = text; }, running.signal);
    } catch (err) {
      if (running.signal.aborted && err instanceof ArmError && err.code === 'Canceled') {
        banner('Canceled: nothing of it was stored.', 'info');
      } else {
        banner(err);
      }
    } finally {
      if (cancel) cancel.hidden = true;
      button.disabled = false;
      button.textContent = label;
    }
  });
  return f;
}

function input(formName, field) {
  const id = formName + '-' + field.name;
  if (field.type === 'select') {
    return h('select', { id, name: field.name }, field.options.map(([value, text]) => h('option', { value }, text)));
  }
  return h('input', { id, name: field.name, type: field.type || 'text', value: field.value, placeholder: field.placeholder,
    accept: field.accept, checked: field.type === 'checkbox' && field.value ? true : undefined });
}

function crumbs(id) {
  const nav = $('crumbs');
  nav.replaceChildren();
  if (!id) return;
  const p = parse(id);
  const parts = [];
  if (p.subscription) parts.push([`/subscriptions/${p.subscription}`, 'subscription ' + p.subscription.slice(0, 8) + '…']);
  const base = p.resourceGroup && `/subscriptions/${p.subscription}/resourceGroups/${p.resourceGroup}/providers/Microsoft.Compute`;
  if (p.gallery) parts.push([`${base}/galleries/${p.gallery}`, p.gallery]);
  if (p.gallery && p.image) parts.push([`${base}/galleries/${p.gallery}/images/${p.image}`, p.image]);
  if (p.version) parts.push([id, p.version]);
  parts.forEach(([to, text], i) => {
    if (i) nav.append(h('span', { class: 'sep' }, '›'));
    nav.append(link(to, text));
  });
}

// ---------------------------------------------------------------------------------------------------------- pages

function signInPage() {
  crumbs(null);
  if (!config.tenants.length) {
    show(h('h1', {}, 'Sign in'), h('p', {}, 'No tenant is configured for the portal (gallery.door.portal.tenants).'));
    return;
  }
  show(h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'Choose your organization; its identity provider asks for your user name and password.'),
    h('div', { class: 'tenants' }, config.tenants.map((t) => h('button', { type: 'button', name: 'tenant-' + t.name,
      onclick: () => auth.signIn(config, t).catch(banner) }, t.name))));
}

async function subscriptionsPage() {
  const gen = generation;
  crumbs(null);
  const subs = await list('/subscriptions', API.subscriptions);
  render(gen, h('h1', {}, 'Subscriptions'),
    table(['name', 'subscription id', 'tenant', 'state'], subs.map((s) => [
      link('/subscriptions/' + s.subscriptionId, s.displayName || s.subscriptionId), h('code', {}, s.subscriptionId),
      s.tenantId || '', s.state || '']), 'You have no subscription here.'));
}

async function subscriptionPage(sub) {
  const gen = generation;
  const root = `/subscriptions/${sub}`;
  crumbs(root);
  const [subscription, galleries, images, [assignments, roles]] = await Promise.all([
    get(root, API.subscriptions).catch(() => ({ subscriptionId: sub })),
    paged('galleries', ['name', 'resource group', 'location', 'description', 'state'],
      `${root}/providers/Microsoft.Compute/galleries`, API.gallery, (g) => [
        link(g.id, g.name), parse(g.id).resourceGroup, g.location, g.properties?.description || '',
        state(g.properties?.provisioningState)], 'No gallery yet.'),
    paged('images', ['name', 'resource group', 'location', 'OS', 'source', 'state'],
      `${root}/providers/Microsoft.Compute/images`, API.managedImage, (i) => [
        h('span', { 'data-id': i.id }, i.name), parse(i.id).resourceGroup, i.location,
        i.properties?.storageProfile?.osDisk?.osType || '', h('code', {}, i.properties?.storageProfile?.osDisk?.blobUri || ''),
        state(i.properties?.provisioningState)], 'No managed image yet.'), accessOf(root)]);
  render(gen, h('div', { class: 'kind' }, 'Subscription'), h('h1', {}, subscription.displayName || sub),
    h('div', { class: 'actions' }, link(root + '/usage', 'Usage and cost'), link(root + '/prices', 'Prices and estimates')),
    h('h2', {}, 'Galleries'),
    galleries.element,
    h('h2', {}, 'Create a gallery'),
    form('create-gallery', [
      { name: 'resourceGroup', label: 'Resource group', placeholder: 'rg-images' },
      { name: 'name', label: 'Name', placeholder: 'myGallery', hint: '1 to 80 letters, digits, hyphens, underscores and periods.' },
      { name: 'location', label: 'Location', value: 'westeurope' },
      { name: 'description', label: 'Description' },
      { name: 'softDelete', label: 'Soft delete', type: 'checkbox',
        hint: 'A deleted version is kept for 7 days, listed on its definition\'s page and restorable.' },
    ], 'Create gallery', async (v) => {
      const id = `${root}/resourceGroups/${encodeURIComponent(v.resourceGroup)}/providers/Microsoft.Compute/galleries/${encodeURIComponent(v.name)}`;
      await write('PUT', id, { body: { location: v.location, properties: { description: v.description || undefined,
        softDeletePolicy: v.softDelete ? { isSoftDeleteEnabled: true } : undefined } } });
      location.hash = id;
    }),
    h('h2', {}, 'Managed images'),
    images.element,
    h('h2', {}, 'Upload a disk as a managed image'),
    form('create-image', [
      { name: 'resourceGroup', label: 'Resource group', placeholder: 'rg-images' },
      { name: 'name', label: 'Image name', placeholder: 'ubuntu-base' },
      { name: 'location', label: 'Location', value: 'westeurope' },
      { name: 'osType', label: 'OS type', type: 'select', options: [['Linux', 'Linux'], ['Windows', 'Windows']] },
      { name: 'disk', label: 'Disk (VHD or raw)', type: 'file', hint: 'Streamed to the data plane of the location.' },
    ], 'Upload and create', async (v, progress, signal) => {
      if (!v.disk) throw new Error('Choose the disk file to upload.');
      progress('Uploading…');
      const blob = `/blobs/${encodeURIComponent(v.location)}/${sub}/${encodeURIComponent(v.name)}.vhd`;
      const started = Date.now();
      const uploaded = await upload(blob, v.disk, (sent, total) => {
        const seconds = (Date.now() - started) / 1000;
        const rate = seconds > 0 ? sent / seconds : 0;
        progress(`Uploading… ${Math.floor((100 * sent) / total)} % of ${mib(total)}`
          + (rate > 0 && sent < total ? `, ${Math.ceil((total - sent) / rate)} s left` : ''));
      }, signal);
      progress('Creating the image…');
      const id = `${root}/resourceGroups/${encodeURIComponent(v.resourceGroup)}/providers/Microsoft.Compute/images/${encodeURIComponent(v.name)}`;
      await write('PUT', id, { apiVersion: API.managedImage, body: { location: v.location, properties: {
        storageProfile: { osDisk: { osType: v.osType, osState: 'Generalized', blobUri: uploaded.blobUri } } } } });
      route();
    }, { cancel: 'Cancel upload' }),
    accessControl(root, 'this subscription', assignments, roles));
}

async function galleryPage(id) {
  const gen = generation;
  crumbs(id);
  const [gallery, definitions, [assignments, roles]] = await Promise.all([get(id + '?$select=Permissions', API.gallery),
    paged('definitions', ['name', 'publisher / offer / sku', 'OS', 'generation', 'state'], id + '/images', API.gallery, (d) => [
      link(d.id, d.name), [d.properties?.identifier?.publisher, d.properties?.identifier?.offer, d.properties?.identifier?.sku].join(' / '),
      (d.properties?.osType || '') + ' ' + (d.properties?.osState || ''), d.properties?.hyperVGeneration || '',
      state(d.properties?.provisioningState)], 'No image definition yet.'), accessOf(id)]);
  const sharing = gallery.properties?.sharingProfile;
  const community = sharing?.communityGalleryInfo;
  render(gen, h('div', { class: 'kind' }, 'Gallery'), h('h1', {}, gallery.name),
    props([['id', h('code', {}, gallery.id)], ['location', gallery.location], ['description', gallery.properties?.description],
      ['unique name', gallery.properties?.identifier?.uniqueName], ['state', state(gallery.properties?.provisioningState)],
      ['soft delete', gallery.properties?.softDeletePolicy?.isSoftDeleteEnabled ? 'on: deleted versions are kept 7 days' : 'off'],
      ['sharing', sharing ? (sharing.permissions || 'Private') + ((sharing.groups || []).length
        ? ' — ' + sharing.groups.map((g) => g.type + ': ' + (g.ids || []).join(', ')).join('; ') : '') : 'Private'],
      ['community', community ? h('span', { 'data-community': community.communityGalleryEnabled ? 'published' : 'asked' },
        community.communityGalleryEnabled ? 'published as ' + (community.publicNames || []).join(', ')
          : 'asked for (prefix ' + community.publicNamePrefix + '), not published yet') : null]]),
    h('div', { class: 'actions' }, h('button', { class: 'danger', type: 'button', name: 'delete-gallery', onclick: () =>
      confirmDelete('gallery ' + gallery.name, id, API.gallery, '/subscriptions/' + parse(id).subscription) }, 'Delete gallery')),
    h('h2', {}, 'Settings'),
    form('gallery-settings', [
      { name: 'description', label: 'Description', value: gallery.properties?.description || '' },
      { name: 'softDelete', label: 'Soft delete', type: 'checkbox', value: gallery.properties?.softDeletePolicy?.isSoftDeleteEnabled,
        hint: 'On: a deleted version is kept for 7 days and restorable. Off: deletion is final (versions already deleted stay restorable until their time ends).' },
    ], 'Save settings', async (v) => {
      await write('PATCH', id, { body: { properties: { description: v.description,
        softDeletePolicy: { isSoftDeleteEnabled: v.softDelete } } } });
      await route();
      banner('Settings saved.', 'info');
    }),
    h('h2', {}, 'Image definitions'),
    definitions.element,
    h('h2', {}, 'Create an image definition'),
    form('create-definition', [
      { name: 'name', label: 'Name', placeholder: 'nginx' },
      { name: 'publisher', label: 'Publisher', placeholder: 'corpLinuxTeam' },
      { name: 'offer', label: 'Offer', placeholder: 'nginx' },
      { name: 'sku', label: 'SKU', placeholder: 'ubuntu-16.04' },
      { name: 'osType', label: 'OS type', type: 'select', options: [['Linux', 'Linux'], ['Windows', 'Windows']] },
      { name: 'osState', label: 'OS state', type: 'select', options: [['Generalized', 'Generalized'], ['Specialized', 'Specialized']] },
      { name: 'hyperVGeneration', label: 'Hyper-V generation', type: 'select', options: [['V1', 'V1'], ['V2', 'V2']] },
      { name: 'vcpus', label: 'Recommended vCPUs', placeholder: '2-8', hint: 'min-max, optional' },
      { name: 'memory', label: 'Recommended memory (GB)', placeholder: '2-16', hint: 'min-max, optional' },
      { name: 'description', label: 'Description' },
    ], 'Create definition', async (v) => {
      const recommended = {};
      if (v.vcpus) recommended.vCPUs = range(v.vcpus, 'vCPUs');
      if (v.memory) recommended.memory = range(v.memory, 'memory');
      const defId = `${id}/images/${encodeURIComponent(v.name)}`;
      await write('PUT', defId, { body: { location: gallery.location, properties: {
        identifier: { publisher: v.publisher, offer: v.offer, sku: v.sku }, osType: v.osType, osState: v.osState,
        hyperVGeneration: v.hyperVGeneration, description: v.description || undefined,
        recommended: Object.keys(recommended).length ? recommended : undefined } } });
      location.hash = defId;
    }),
    h('h2', {}, 'Share'),
    form('share', [
      { name: 'operationType', label: 'Operation', type: 'select', options: [['Add', 'Add'], ['Remove', 'Remove'], ['Reset', 'Reset']] },
      { name: 'type', label: 'With', type: 'select', options: [['Subscriptions', 'subscriptions'], ['AADTenants', 'tenants']] },
      { name: 'ids', label: 'Ids', placeholder: 'comma-separated subscription or tenant ids' },
    ], 'Update sharing', async (v) => {
      const ids = v.ids.split(',').map((s) => s.trim()).filter(Boolean);
      const answer = (await call('POST', id + '/share', { body: v.operationType === 'Reset' ? { operationType: 'Reset' }
        : { operationType: v.operationType, groups: [{ type: v.type, ids }] } })).body || {};
      await route();
      // access-service's answer says each recipient's state: another tenant's stays Pending until it accepts
      const shares = (answer.shares || []).map((x) => `${x.type} ${x.id} (${x.state})`).join(', ');
      banner(shares ? 'Shared with ' + shares + '.' : 'The gallery is shared with nobody.', 'info');
    }),
    h('h2', {}, 'Publish to the community'),
    h('p', { class: 'muted' }, 'Every signed-in user of every tenant can then find the gallery under Shared with me, by its public name, ',
      'and create from its versions; they are shown your contact, your link and your EULA. The Share form\'s Reset makes it private again.'),
    form('community', [
      { name: 'publicNamePrefix', label: 'Public name prefix', value: community?.publicNamePrefix || '', hint: '5 to 16 letters and digits; the public name adds a unique suffix' },
      { name: 'publisherContact', label: 'Publisher contact', value: community?.publisherContact || '', placeholder: 'images@example.com' },
      { name: 'publisherUri', label: 'Publisher link', value: community?.publisherUri || '', placeholder: 'https://example.com/images' },
      { name: 'eula', label: 'EULA', value: community?.eula || '', placeholder: 'the terms, or a link to them' },
    ], 'Publish', async (v, progress) => {
      // as Azure does it: the information in the gallery's sharing profile, then the share action EnableCommunity,
      // here with the same information in its body: access-service publishes the body's, where without it it would
      // publish its copy of the gallery's, which catalog-service's event brings a moment after the PATCH
      const info = { publicNamePrefix: v.publicNamePrefix, publisherContact: v.publisherContact, eula: v.eula,
        publisherUri: v.publisherUri || undefined };
      progress('Saving…');
      await write('PATCH', id, { body: { properties: { sharingProfile: { permissions: 'Community', communityGalleryInfo: info } } } });
      progress('Publishing…');
      const published = (await call('POST', id + '/share', { body: { operationType: 'EnableCommunity',
        communityGalleryInfo: info } })).body || {};
      await route();
      // access-service's answer names the public name at once; the gallery's own view shows it a moment later
      const names = published.communityGalleryInfo?.publicNames || [];
      banner('Published to the community' + (names.length ? ' as ' + names.join(', ') : '') + '.', 'info');
    }),
    accessControl(id, 'this gallery', assignments, roles));
}

/**
 * The role assignments that cover a scope (at it, above it, and below it: a definition's under its gallery), one
 * given to a principal at the scope, and one at or below it removed (those above are removed where they were given).
 */
function accessControl(scope, here, assignments, roles) {
  const authz = scope + '/providers/Microsoft.Authorization';
  const roleName = new Map(roles.map((r) => [r.id.split('/').pop().toLowerCase(), r.properties?.roleName || r.name]));
  const lower = scope.toLowerCase();
  const within = (s) => s.toLowerCase() === lower || s.toLowerCase().startsWith(lower + '/');
  return [h('h2', {}, 'Access control'),
    assignments === null ? h('p', { class: 'muted' }, 'You may not read the role assignments here.')
      : table(['principal', 'type', 'role', 'scope', ''], assignments.map((a) => {
        const at = a.properties?.scope || '';
        return [h('code', {}, a.properties?.principalId || ''), a.properties?.principalType || '',
          roleName.get((a.properties?.roleDefinitionId || '').split('/').pop().toLowerCase()) || a.properties?.roleDefinitionId,
          at.toLowerCase() === lower ? here : h('code', {}, at),
          within(at) ? h('button', { class: 'danger', type: 'button', name: 'remove-' + a.name, onclick: async () => {
            try {
              await write('DELETE', a.id, { apiVersion: API.authorization });
              route();
            } catch (e) {
              banner(e);
            }
          } }, 'Remove') : h('span', { class: 'muted' }, 'inherited')];
      }), 'No role assignment covers ' + here + '.'),
    h('h2', {}, 'Add a role assignment'),
    form('add-role', [
      { name: 'principalId', label: 'Principal id', placeholder: 'the user\'s or group\'s object id' },
      { name: 'principalType', label: 'Principal type', type: 'select', options: [['User', 'User'], ['Group', 'Group'], ['ServicePrincipal', 'ServicePrincipal']] },
      { name: 'role', label: 'Role', type: 'select', options: roles.map((r) => [r.id, r.properties?.roleName || r.name]) },
    ], 'Add', async (v) => {
      await write('PUT', `${authz}/roleAssignments/${crypto.randomUUID()}`, { apiVersion: API.authorization, body: {
        properties: { roleDefinitionId: v.role, principalId: v.principalId, principalType: v.principalType } } });
      route();
    })];
}

/** A scope's role assignments (null where the user may not read them) and the roles that can be given there. */
function accessOf(scope) {
  const authz = scope + '/providers/Microsoft.Authorization';
  return Promise.all([list(authz + '/roleAssignments', API.authorization).catch(() => null),
    list(authz + '/roleDefinitions', API.authorization).catch(() => [])]);
}

function mib(bytes) {
  return bytes >= 1 << 30 ? (bytes / (1 << 30)).toFixed(1) + ' GiB' : (bytes / (1 << 20)).toFixed(1) + ' MiB';
}

function range(text, what) {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`Recommended ${what}: write min-max, e.g. 2-8.`);
  return { min: Number(m[1]), max: Number(m[2]) };
}

async function definitionPage(id) {
  const gen = generation;
  crumbs(id);
  const sub = parse(id).subscription;
  const galleryId = id.replace(/\/images\/[^/]+$/, '');
  const deletedPath = `${galleryId}/softDeletedArtifactTypes/Images/artifacts/${id.split('/').pop()}/versions`;
  const [definition, versions, images, deleted, [assignments, roles]] = await Promise.all([get(id, API.gallery),
    paged('versions', ['version', 'target regions (replicas)', 'excluded from latest', 'published', 'end of life', 'state'],
      id + '/versions', API.gallery, (v) => [
        link(v.id, v.name), regions(v), v.properties?.publishingProfile?.excludeFromLatest ? 'yes' : 'no',
        v.properties?.publishingProfile?.publishedDate || '', v.properties?.publishingProfile?.endOfLifeDate || '',
        state(v.properties?.provisioningState)], 'No version yet.'),
    list(`/subscriptions/${sub}/providers/Microsoft.Compute/images`, API.managedImage).catch(() => []),
    list(deletedPath, API.gallery).catch(() => []), accessOf(id)]);
  const p = definition.properties || {};
  // what a VM created from this definition gets in each region its versions go to: the API's resolution of latest
  // (the highest version not excluded from latest whose replicas there are Completed)
  const places = [...new Set(versions.first.flatMap((v) => (v.properties?.publishingProfile?.targetRegions || []).map((r) => r.name)))].sort();
  const latest = await Promise.all(places.map((place) => call('POST',
    `/subscriptions/${sub}/providers/Microsoft.Compute/locations/${encodeURIComponent(place)}/resolveImageReference`,
    { body: { imageReference: { id } } }).then((r) => r.body?.exactVersion || '—', (e) => h('span', { class: 'muted' }, e.code))));
  render(gen, h('div', { class: 'kind' }, 'Image definition'), h('h1', {}, definition.name),
    props([['id', h('code', {}, definition.id)], ['publisher / offer / sku', [p.identifier?.publisher, p.identifier?.offer, p.identifier?.sku].join(' / ')],
      ['OS', (p.osType || '') + ' ' + (p.osState || '')], ['Hyper-V generation', p.hyperVGeneration],
      ['recommended vCPUs', p.recommended?.vCPUs ? p.recommended.vCPUs.min + '–' + p.recommended.vCPUs.max : ''],
      ['recommended memory (GB)', p.recommended?.memory ? p.recommended.memory.min + '–' + p.recommended.memory.max : ''],
      ['description', p.description], ['state', state(p.provisioningState)]]),
    h('div', { class: 'actions' }, h('button', { class: 'danger', type: 'button', name: 'delete-definition', onclick: () =>
      confirmDelete('image definition ' + definition.name, id, API.gallery, id.replace(/\/images\/[^/]+$/, '')) }, 'Delete definition')),
    h('h2', {}, 'Versions'),
    versions.element,
    deleted.length ? [h('h2', {}, 'Deleted versions'),
      table(['version', 'deleted', ''], deleted.map((d) => {
        const versionId = d.properties?.resourceArmId || '';
        const name = versionId.split('/').pop();
        return [name, d.properties?.softDeletedTime || '', h('button', { type: 'button', class: 'secondary', name: 'restore-' + name,
          onclick: async () => {
            try {
              await call('PATCH', versionId, { body: { properties: { restore: true } } });
              route();
            } catch (e) {
              banner(e);
            }
          } }, 'Restore')];
      }), '')] : null,
    h('h2', {}, 'Latest by region'),
    table(['region', 'latest version'], places.map((place, i) => [place, h('span', { 'data-latest': place }, latest[i])]),
      'No version has a region yet.'),
    h('h2', {}, 'Publish a version'),
    form('create-version', [
      { name: 'name', label: 'Version', placeholder: '1.0.0', hint: 'Major.Minor.Patch' },
      { name: 'source', label: 'Source managed image', type: 'select',
        options: images.length ? images.map((i) => [i.id, i.name + ' (' + i.location + ')']) : [['', 'no managed image in this subscription']] },
      { name: 'regions', label: 'Target regions', value: definition.location + '=1',
        hint: 'region=replicas, comma-separated, e.g. westeurope=1, northeurope=2' },
      { name: 'storageAccountType', label: 'Storage type', type: 'select',
        options: [['Standard_LRS', 'Standard_LRS'], ['Standard_ZRS', 'Standard_ZRS'], ['Premium_LRS', 'Premium_LRS']],
        hint: 'of the replicas in every region (metered per type)' },
      { name: 'endOfLifeDate', label: 'End of life', type: 'date', hint: 'optional: after it the version is shown as past its end of life' },
      { name: 'excludeFromLatest', label: 'Exclude from latest', type: 'checkbox' },
    ], 'Publish', async (v, progress) => {
      const versionId = `${id}/versions/${encodeURIComponent(v.name)}`;
      progress('Publishing…');
      // the PUT answers Creating at once; the version's page follows the replication region by region until it
      // settles (the operation behind Azure-AsyncOperation ends with it)
      await call('PUT', versionId, { body: { location: definition.location, properties: {
        publishingProfile: { targetRegions: targetRegions(v.regions), excludeFromLatest: v.excludeFromLatest,
          storageAccountType: v.storageAccountType, endOfLifeDate: v.endOfLifeDate ? v.endOfLifeDate + 'T00:00:00Z' : undefined },
        storageProfile: { source: { id: v.source } } } } });
      location.hash = versionId;
    }),
    accessControl(id, 'this definition', assignments, roles));
}

/** 'westeurope=1, northeurope=2' as the API's targetRegions. */
function targetRegions(text) {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [name, count] = s.split('=').map((x) => x.trim());
    const n = count === undefined ? 1 : Number(count);
    if (!name || !Number.isInteger(n)) throw new Error(`Target regions: '${s}' is not region=replicas.`);
    return { name, regionalReplicaCount: n };
  });
}

function regions(v) {
  return (v.properties?.publishingProfile?.targetRegions || [])
    .map((r) => r.name + ' (' + (r.regionalReplicaCount ?? 1)
      + (r.storageAccountType && r.storageAccountType !== v.properties?.publishingProfile?.storageAccountType ? ', ' + r.storageAccountType : '')
      + ')' + (r.excludeFromLatest ? ', excluded from latest' : '')).join(', ');
}

async function versionPage(id) {
  const gen = generation;
  crumbs(id);
  const version = await get(id + '?$expand=ReplicationStatus', API.gallery);
  const p = version.properties || {};
  const status = p.replicationStatus || {};
  render(gen, h('div', { class: 'kind' }, 'Image version'), h('h1', {}, version.name),
    props([['id', h('code', {}, version.id)], ['state', state(p.provisioningState)],
      ['replication', state(status.aggregatedState)], ['target regions (replicas)', regions(version)],
      ['excluded from latest', p.publishingProfile?.excludeFromLatest ? 'yes' : 'no'],
      ['storage type', p.publishingProfile?.storageAccountType], ['end of life', p.publishingProfile?.endOfLifeDate],
      ['published', p.publishingProfile?.publishedDate], ['source', h('code', {}, p.storageProfile?.source?.id || '')]]),
    h('h2', {}, 'Replication by region'),
    table(['region', 'state', 'progress', 'details'], (status.summary || []).map((s) => [
      s.region, state(s.state), (s.progress ?? '') + (s.progress !== undefined ? ' %' : ''), s.details || '']),
    'No replication status.'),
    h('div', { class: 'actions' }, h('button', { class: 'danger', type: 'button', name: 'delete-version', onclick: () =>
      confirmDelete('version ' + version.name, id, API.gallery, id.replace(/\/versions\/[^/]+$/, '')) }, 'Delete version')),
    h('h2', {}, 'Update'),
    form('update-version', [
      { name: 'regions', label: 'Target regions', value: (p.publishingProfile?.targetRegions || [])
        .map((r) => r.name + '=' + (r.regionalReplicaCount ?? 1)).join(', '),
        hint: 'region=replicas, comma-separated: add a region to replicate to it, leave one out to remove its replicas' },
      { name: 'excludeFromLatest', label: 'Exclude from latest', type: 'checkbox', value: p.publishingProfile?.excludeFromLatest },
    ], 'Update version', async (v, progress) => {
      progress('Updating…');
      // answered Updating while a region is added: this page follows it
      await call('PATCH', id, { body: { properties: { publishingProfile: { targetRegions: targetRegions(v.regions),
        excludeFromLatest: v.excludeFromLatest } } } });
      route();
    }));
  const settled = ['Succeeded', 'Failed'].includes(p.provisioningState)
    && ['Completed', 'Failed', undefined].includes(status.aggregatedState);
  if (!settled && gen === generation) {
    refreshTimer = setTimeout(route, 2000);
  }
}

/**
 * What the subscription's images cost this month (or the month asked for): billing-service's usage details,
 * summed per resource, location and meter (a day's line each), and in all.
 */
async function usagePage(sub, month) {
  const gen = generation;
  const root = `/subscriptions/${sub}`;
  crumbs(root);
  const today = new Date().toISOString().slice(0, 10);
  const from = (month || today.slice(0, 7)) + '-01';
  const end = new Date(Date.UTC(Number(from.slice(0, 4)), Number(from.slice(5, 7)), 0)).toISOString().slice(0, 10);
  const to = end < today ? end : today;
  const [lines, invoices] = await Promise.all([
    list(`${root}/providers/Microsoft.Consumption/usageDetails?startDate=${from}&endDate=${to}`, API.consumption),
    list(`${root}/providers/Microsoft.Consumption/invoices`, API.consumption).catch((e) => (e.status === 403 ? null : Promise.reject(e)))]);
  const sums = new Map();
  let total = 0;
  let currency = '';
  for (const l of lines) {
    const p = l.properties || {};
    const key = p.resourceId + '|' + p.resourceLocation + '|' + p.meterName;
    const sum = sums.get(key) || { resource: p.resourceId || '', meter: p.meterName || '', unit: p.unitOfMeasure || '',
      location: p.resourceLocation || '', quantity: 0, cost: 0 };
    sum.quantity += Number(p.quantity) || 0;
    sum.cost += Number(p.cost) || 0;
    sums.set(key, sum);
    total += Number(p.cost) || 0;
    currency = p.billingCurrency || currency;
  }
  const short = (id) => id.replace(/^.*\/providers\/Microsoft\.Compute\/galleries\//i, '');
  render(gen, h('div', { class: 'kind' }, 'Usage and cost'), h('h1', {}, `${from} to ${to}`),
    props([['subscription', h('code', {}, sub)], ['cost', total.toFixed(2) + ' ' + currency], ['usage lines', String(lines.length)]]),
    form('usage-month', [{ name: 'month', label: 'Month', type: 'month', value: from.slice(0, 7) }], 'Show', async (v) => {
      location.hash = `${root}/usage/${v.month}`;
    }),
    h('h2', {}, 'By resource and meter'),
    table(['resource', 'location', 'meter', 'quantity', 'cost'], [...sums.values()].map((x) => [h('code', {}, short(x.resource)),
      x.location, x.meter, x.quantity.toFixed(6) + ' ' + x.unit, x.cost.toFixed(2) + ' ' + currency]), 'No usage in this period.'),
    h('h2', {}, 'Invoices'),
    h('p', {}, link(`${root}/invoices/${from.slice(0, 7)}`, `Invoice of ${from.slice(0, 7)}`),
      h('span', { class: 'muted' }, from.slice(0, 7) === today.slice(0, 7) ? ' (open: what it would be now, issued after the month ends)' : '')),
    invoices === null ? h('p', { class: 'muted' }, 'Your role does not let you read this subscription\'s invoices.')
      : table(['month', 'status', 'usage', 'adjustments', 'total', ''], invoices.map((i) => {
        const p = i.properties || {};
        return [link(`${root}/invoices/${i.name}`, i.name), state(p.status), amount(p.usageAmount), amount(p.adjustmentAmount),
          amount(p.totalAmount), csvButton(i.id, i.name)];
      }), 'No invoice yet: the first comes with the first usage.'));
}

/**
 * The prices in effect (or on a day: the sheet's versions link to each) and what a version would cost: billing-service's
 * price sheet (storage per type and region, egress per pair of geographies) and its estimate before publishing, for
 * the subscription (its regions and replica counts, its storage type, the image's size and the bytes it uses).
 */
async function pricesPage(sub, day) {
  const gen = generation;
  const root = `/subscriptions/${sub}`;
  crumbs(root);
  const sheets = '/providers/Microsoft.Consumption/priceSheets/default';
  const [sheet, versions] = await Promise.all([
    get(day ? `${sheets}/versions/${day}` : sheets, API.consumption),
    list(`${sheets}/versions`, API.consumption)]);
  const p = sheet.properties || {};
  const currency = p.currency || '';
  const price = (x) => (x === undefined || x === null ? '' : String(x) + ' ' + currency);
  const result = h('div', { id: 'estimate-result' });
  render(gen, h('div', { class: 'kind' }, 'Prices'), h('h1', {}, day ? `Price sheet of ${day}` : 'Prices in effect'),
    props([['in effect', (p.effectiveFrom || '') + (p.effectiveTo ? ' to ' + p.effectiveTo : ' onwards')], ['currency', currency],
      ['added', [p.createdAt, p.createdBy].filter(Boolean).join(' by ')]]),
    h('h2', {}, 'Storage, per GiB and month'),
    table(['storage type', 'region', 'price'], (p.storage || []).map((x) => [x.storageAccountType || '',
      x.region || 'every other region', price(x.pricePerGiBMonth)]), 'No storage price.'),
    h('h2', {}, 'Egress, per GiB copied'),
    table(['from', 'to', 'price'], (p.egress || []).map((x) => [x.sourceGeography || '', x.destinationGeography || '',
      price(x.pricePerGiB)]), 'No egress price.'),
    h('h2', {}, 'Versions of the price sheet'),
    table(['from', 'to', 'added'], versions.map((v) => {
      const q = v.properties || {};
      return [link(`${root}/prices/${q.effectiveFrom}`, q.effectiveFrom || ''), q.effectiveTo || '(in effect)',
        [q.createdAt, q.createdBy].filter(Boolean).join(' by ')];
    }), 'No price sheet.'),
    h('h2', {}, 'Estimate a version before publishing'),
    form('estimate', [
      { name: 'sizeGiB', label: 'Image size (GiB)', value: '30' },
      { name: 'usedGiB', label: 'Used (GiB)', value: '10', hint: 'what the image holds that is not zeros: its replicas store and copy this' },
      { name: 'sourceRegion', label: 'Source region', value: 'westeurope' },
      { name: 'regions', label: 'Target regions', value: 'westeurope=1, eastus=2', hint: 'region=replicas, comma-separated' },
      { name: 'storageAccountType', label: 'Storage type', type: 'select',
        options: [['Standard_LRS', 'Standard_LRS'], ['Standard_ZRS', 'Standard_ZRS'], ['Premium_LRS', 'Premium_LRS']] },
    ], 'Estimate', async (v) => {
      const gib = (text, what) => {
        const n = Number(text);
        if (!(n >= 0)) throw new Error(`${what}: '${text}' is not a number of GiB.`);
        return Math.round(n * 1024 * 1024 * 1024);
      };
      const e = (await call('POST', `${root}/providers/Microsoft.Consumption/estimateImageVersionCost`, {
        apiVersion: API.consumption, body: { sizeBytes: gib(v.sizeGiB, 'Image size'), usedBytes: gib(v.usedGiB, 'Used'),
          sourceRegion: v.sourceRegion, date: day || undefined, targetRegions: targetRegions(v.regions)
            .map((r) => ({ ...r, storageAccountType: v.storageAccountType })) } })).body;
      const money = (x) => (x === undefined || x === null ? '' : Number(x).toFixed(2) + ' ' + (e.currency || ''));
      const lines = [...(e.storage || []).map((l) => ['storage', l]), ...(e.egress || []).map((l) => ['egress', l])];
      result.replaceChildren(
        props([['every month', money(e.monthlyStorageCost)], ['once, to copy it', money(e.oneTimeEgressCost)],
          ['first month', money(e.firstMonthCost)], ['at the prices of', e.priceSheetEffectiveFrom]]),
        table(['kind', 'how', 'cost'], lines.map(([kind, l]) => [kind, l.formula || '', money(l.cost)]), 'Nothing to pay.'));
    }),
    result);
}

/** An ARM amount ({currency, value}) as text. */
function amount(a) {
  return a && a.value !== undefined ? Number(a.value).toFixed(2) + ' ' + (a.currency || '') : '';
}

/** A button that downloads an invoice as CSV (the API's text/csv answer, asked with the user's token). */
function csvButton(id, month) {
  return h('button', { type: 'button', class: 'secondary', name: 'csv-' + month, onclick: async () => {
    try {
      const url = URL.createObjectURL(await download(`${id}/csv`, API.consumption));
      const a = h('a', { href: url, download: `invoice-${month}.csv` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      banner(e);
    }
  } }, 'CSV');
}

/** One invoice: its lines by meter, region and price, and its sums (an ended month's is issued and never changes). */
async function invoicePage(sub, month) {
  const gen = generation;
  const root = `/subscriptions/${sub}`;
  crumbs(root);
  const id = `${root}/providers/Microsoft.Consumption/invoices/${month}`;
  const invoice = await get(id, API.consumption);
  const p = invoice.properties || {};
  render(gen, h('div', { class: 'kind' }, 'Invoice'), h('h1', {}, month),
    props([['subscription', h('code', {}, sub)], ['status', state(p.status)], ['period', (p.invoicePeriodStartDate || '') + ' to ' + (p.invoicePeriodEndDate || '')],
      ['issued', p.invoiceDate], ['usage', amount(p.usageAmount)], ['adjustments', amount(p.adjustmentAmount)], ['total', amount(p.totalAmount)]]),
    h('div', { class: 'actions' }, link(`${root}/usage/${month}`, 'Usage of the month'), csvButton(id, month)),
    h('h2', {}, 'Lines'),
    table(['type', 'service period', 'meter', 'region', 'quantity', 'unit price', 'cost'], (p.lineItems || []).map((l) => [
      l.lineType || '', l.servicePeriod || '', [l.meterCategory, l.meterSubCategory, l.meterName].filter(Boolean).join(' / '),
      l.region || '', String(l.quantity ?? '') + ' ' + (l.unitOfMeasure || ''), String(l.unitPrice ?? ''),
      Number(l.cost ?? 0).toFixed(2) + ' ' + (p.billingCurrency || '')]), 'No line.'));
}

/**
 * What others share with the user: invitations to the user's tenant (an administrator, an Owner of one of its
 * subscriptions, accepts or rejects them), and the galleries shared with a subscription of the user's, by location,
 * with their definitions and versions (the sharedGalleries views; a gallery appears once its share is accepted).
 */
async function sharedPage(sub, where) {
  const gen = generation;
  crumbs(null);
  const [invitations, subs] = await Promise.all([
    list('/providers/Microsoft.Compute/sharingInvitations', API.gallery).catch((e) => (e.status === 403 ? null : Promise.reject(e))),
    list('/subscriptions', API.subscriptions)]);
  const subscription = sub || subs[0]?.subscriptionId;
  const place = where || 'westeurope';
  const decide = (i, decision) => async () => {
    try {
      await call('POST', `/providers/Microsoft.Compute/sharingInvitations/${encodeURIComponent(i.name)}/${decision}`, { apiVersion: API.gallery });
      route();
    } catch (e) {
      banner(e);
    }
  };
  const page = [h('h1', {}, 'Shared with me'),
    h('h2', {}, 'Invitations to your organization'),
    invitations === null ? h('p', { class: 'muted' }, 'Only an administrator of your organization (an Owner of one of its subscriptions) sees and answers invitations.')
      : table(['gallery', 'from tenant', 'shared with', 'state', ''], invitations.map((i) => {
        const p = i.properties || {};
        return [h('code', {}, p.galleryUniqueName || ''), p.ownerTenantId || '', (p.sharedWithType || '') + ' ' + (p.sharedWith || ''),
          state(p.state), p.state === 'Pending' ? h('span', { class: 'actions' },
            h('button', { type: 'button', name: 'accept-' + p.galleryUniqueName, onclick: decide(i, 'accept') }, 'Accept'),
            h('button', { type: 'button', class: 'danger', name: 'reject-' + p.galleryUniqueName, onclick: decide(i, 'reject') }, 'Reject')) : ''];
      }), 'No invitation.'),
    h('h2', {}, 'Galleries shared with you'),
    form('shared-where', [
      { name: 'subscription', label: 'Subscription', type: 'select', options: subs.map((x) => [x.subscriptionId, x.displayName || x.subscriptionId]) },
      { name: 'location', label: 'Location', value: place },
    ], 'Show', async (v) => {
      location.hash = `/shared/${encodeURIComponent(v.subscription)}/${encodeURIComponent(v.location)}`;
    })];
  if (subscription) {
    const at = `/subscriptions/${subscription}/providers/Microsoft.Compute/locations/${encodeURIComponent(place)}`;
    const [shared, community] = await Promise.all([consumerView(at + '/sharedGalleries'), consumerView(at + '/communityGalleries')]);
    page.push(h('p', { class: 'muted' }, `In ${place}, for subscription ${subscription}:`),
      table(['gallery (unique name)', 'image definition', 'publisher / offer / sku', 'versions'], shared.rows, 'Nothing is shared with you here.'),
      h('h2', {}, 'Community galleries'),
      h('p', { class: 'muted' }, 'Published by their owners to every tenant. Read the publisher\'s terms before you use an image.'),
      community.galleries.length ? community.galleries.map((g) => {
        const m = g.properties?.communityMetadata || {};
        return h('div', { class: 'community', 'data-community-gallery': g.name }, h('h3', {}, g.name),
          props([['publisher', m.publisherUri && /^https?:\/\//i.test(m.publisherUri)
            ? h('a', { href: m.publisherUri, rel: 'noopener noreferrer', target: '_blank' }, m.publisherUri) : m.publisherUri],
          ['contact', m.publisherContact], ['EULA', m.eula], ['public names', (m.publicNames || []).join(', ')]]));
      }) : h('p', { class: 'muted' }, 'No community gallery here.'),
      community.galleries.length ? table(['gallery (public name)', 'image definition', 'publisher / offer / sku', 'versions'],
        community.rows, '') : null);
  }
  render(gen, ...page);
  const f = document.forms['shared-where'];
  if (f && subscription) f.elements.subscription.value = subscription;
}

/**
 * A consumer view (sharedGalleries or communityGalleries in a location): its galleries, and a row per definition with
 * the versions there; each gallery's definitions, then each definition's versions, asked all at once.
 */
async function consumerView(base) {
  const galleries = await list(base, API.gallery);
  const images = await Promise.all(galleries.map((g) =>
    list(`${base}/${encodeURIComponent(g.name)}/images`, API.gallery).catch(() => [])));
  const versions = await Promise.all(galleries.map((g, i) => Promise.all(images[i].map((d) =>
    list(`${base}/${encodeURIComponent(g.name)}/images/${encodeURIComponent(d.name)}/versions`, API.gallery).catch(() => [])))));
  const rows = galleries.flatMap((g, i) => (images[i].length ? images[i].map((d, j) => {
    const id = d.properties?.identifier || {};
    return [h('code', {}, g.name), d.name, [id.publisher, id.offer, id.sku].filter(Boolean).join(' / '),
      versions[i][j].map((x) => x.name).join(', ') || h('span', { class: 'muted' }, 'none in this location')];
  }) : [[h('code', {}, g.name), h('span', { class: 'muted' }, 'no image definition'), '', '']]));
  return { galleries, rows };
}

/**
 * The tenant's event subscribers (its administrators': an Owner of one of its subscriptions): the programs that read
 * the tenant's public event stream from Kafka. Registering one answers its client secret once, shown here once.
 */
async function eventsPage() {
  const gen = generation;
  crumbs(null);
  const subs = await list('/subscriptions', API.subscriptions);
  const tenant = subs[0]?.tenantId || auth.session().tenant;
  const base = `/tenants/${encodeURIComponent(tenant)}/providers/Microsoft.Gallery/eventSubscribers`;
  const subscribers = await list(base, API.events).catch((e) => (e.status === 403 ? null : Promise.reject(e)));
  const page = [h('div', { class: 'kind' }, 'Tenant ' + tenant), h('h1', {}, 'Event subscribers'),
    h('p', { class: 'muted' }, 'Programs of your organization that follow what happens to its images (versions published, ',
      'replicated, deleted, shares, usage) by reading its own stream from Kafka; the contract is ',
      h('a', { href: '/providers/Microsoft.Gallery/asyncapi', target: '_blank', rel: 'noopener' }, 'the AsyncAPI document'), '.')];
  if (subscribers === null) {
    page.push(h('p', { class: 'muted' }, 'Only an administrator of your organization (an Owner of one of its subscriptions) registers event subscribers.'));
    render(gen, ...page);
    return;
  }
  page.push(table(['name', 'description', 'client id', 'topic', 'consumer groups', 'created', ''], subscribers.map((x) => {
    const p = x.properties || {};
    return [x.name, p.description || '', h('code', {}, p.clientId || ''), h('code', {}, p.topic || ''),
      h('code', {}, (p.consumerGroupPrefix || '') + '*'), (p.createdOn || '') + (p.createdBy ? ' by ' + p.createdBy : ''),
      h('button', { class: 'danger', type: 'button', name: 'revoke-' + x.name, onclick: async () => {
        if (!window.confirm('Revoke event subscriber ' + x.name + '? Its credentials stop working at once.')) return;
        try {
          await call('DELETE', x.id, { apiVersion: API.events });
          await route();
          banner('Event subscriber ' + x.name + ' revoked.', 'info');
        } catch (e) {
          banner(e);
        }
      } }, 'Revoke')];
  }), 'No event subscriber yet.'),
  h('h2', {}, 'Register an event subscriber'),
  form('add-subscriber', [
    { name: 'name', label: 'Name', placeholder: 'image-sync', hint: 'letters, digits, hyphens' },
    { name: 'description', label: 'Description' },
  ], 'Register', async (v) => {
    const made = (await call('PUT', `${base}/${encodeURIComponent(v.name)}`, { apiVersion: API.events,
      body: { properties: { description: v.description || undefined } } })).body || {};
    await route();
    const p = made.properties || {};
    if (!p.clientSecret) {
      banner('Event subscriber ' + made.name + ' exists already: its secret was shown when it was registered. Revoke it and register it again for a new one.', 'info');
      return;
    }
    // the secret is answered once: shown here until the user leaves the page, never stored by the portal
    $('view').prepend(h('div', { class: 'secret', id: 'new-subscriber' },
      h('h2', {}, 'Event subscriber ' + made.name + ' registered'),
      h('p', {}, 'Copy its secret now: it is not shown again.'),
      props([['client id', h('code', {}, p.clientId)], ['client secret', h('code', { id: 'new-subscriber-secret' }, p.clientSecret)],
        ['token URL', h('code', {}, p.tokenUrl || '')], ['bootstrap servers', h('code', {}, p.bootstrapServers || '')],
        ['security', (p.securityProtocol || '') + ' / ' + (p.saslMechanism || '')], ['topic', h('code', {}, p.topic || '')],
        ['consumer group prefix', h('code', {}, p.consumerGroupPrefix || '')]])));
  }));
  render(gen, ...page);
}

async function confirmDelete(what, id, apiVersion, back) {
  if (!window.confirm('Delete ' + what + '?')) return;
  banner('Deleting ' + what + '…', 'info');
  try {
    await write('DELETE', id, { apiVersion });
    banner(null);
    location.hash = back;
  } catch (e) {
    banner(e);
  }
}

// ---------------------------------------------------------------------------------------------------------- routing

const PAGES = [
  [/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/images\/[^/]+\/versions\/[^/]+$/i, versionPage],
  [/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/images\/[^/]+$/i, definitionPage],
  [/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+$/i, galleryPage],
  [/^\/subscriptions\/([^/]+)$/i, (id, m) => subscriptionPage(m[1])],
  [/^\/subscriptions\/([^/]+)\/usage(?:\/(\d{4}-\d{2}))?$/i, (id, m) => usagePage(m[1], m[2])],
  [/^\/subscriptions\/([^/]+)\/invoices\/(\d{4}-\d{2})$/i, (id, m) => invoicePage(m[1], m[2])],
  [/^\/subscriptions\/([^/]+)\/prices(?:\/(\d{4}-\d{2}-\d{2}))?$/i, (id, m) => pricesPage(m[1], m[2])],
  [/^\/shared(?:\/([^/]+)\/([^/]+))?$/, (id, m) => sharedPage(m[1], m[2])],
  [/^\/events$/, () => eventsPage()],
  [/^\/?$/, () => subscriptionsPage()],
];

async function route() {
  clearTimeout(refreshTimer);
  generation += 1;
  const gen = generation;
  let path = location.hash.replace(/^#/, '') || '/';
  try {
    path = decodeURI(path);
  } catch {
    // a malformed escape: matched as it was written (no page has one, so it is the not-found page)
  }
  whoAmI();
  if (!auth.session()) {
    signInPage();
    return;
  }
  const page = PAGES.find(([re]) => re.test(path));
  if (!page) {
    crumbs(null);
    show(h('h1', {}, 'Not found'), h('p', {}, 'The portal has no page for ', h('code', {}, path), '. ', link('/', 'Subscriptions')));
    return;
  }
  try {
    await page[1](path, path.match(page[0]));
  } catch (e) {
    if ((e instanceof ArmError && e.code === 'SignedOut') || gen !== generation) return;
    show(h('p', { class: 'muted' }, 'This page could not be loaded.'));
    banner(e);
  }
}

function whoAmI() {
  const s = auth.session();
  const who = $('who');
  who.replaceChildren();
  if (s) {
    who.append(h('span', { id: 'user' }, s.user.name + ' @ ' + s.tenant),
      h('button', { class: 'secondary', type: 'button', name: 'sign-out', onclick: () => auth.signOut(config) }, 'Sign out'));
  }
}

async function start() {
  try {
    const r = await fetch('config.json', { cache: 'no-store' });
    config = await r.json();
  } catch (e) {
    banner('The portal\'s configuration could not be read: ' + e.message);
  }
  configure(() => auth.accessToken(config), () => {
    sessionStorage.removeItem('gallery.portal.session');
    signInPage();
    whoAmI();
  });
  try {
    // a return from sign-in: the address is now the page the user was on before it
    await auth.completeSignIn(config);
  } catch (e) {
    banner(e);
  }
  window.addEventListener('hashchange', () => {
    banner(null);
    route();
  });
  route();
}

start();
