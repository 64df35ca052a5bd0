// Validates A11yJSON PlaceInfo features against the published schema of
// @sozialhelden/a11yjson (SimpleSchema definitions, as the package's own tests
// use them). Input on stdin: a GeoJSON FeatureCollection of PlaceInfo features.
// Output: {"checked": n, "errors": [{"feature": i, "name": key, "type": why}]}.
import SimpleSchema from '@sozialhelden/simpl-schema';
import { getPlaceInfoSchemaDefinition } from '@sozialhelden/a11yjson';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const collection = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const schema = new SimpleSchema(getPlaceInfoSchemaDefinition(), { humanizeAutoLabels: false });
const errors = [];
collection.features.forEach((feature, index) => {
  // GeoJSON's own "type": "Feature" is not part of PlaceInfo; nothing else is removed.
  const { type, ...placeInfo } = feature;
  const context = schema.newContext();
  context.validate(placeInfo);
  for (const e of context.validationErrors()) errors.push({ feature: index, name: e.name, type: e.type });
});
process.stdout.write(JSON.stringify({ checked: collection.features.length, errors }));
