import type { RJSFSchema, UiSchema } from '@rjsf/utils';

/**
 * Widgets for a params schema where react-jsonschema-form's defaults read poorly: a set of choices
 * (`type: array`, `items.enum`, `uniqueItems`) becomes inline checkboxes instead of a multi-select.
 */
export function paramsUiSchema(schema: RJSFSchema): UiSchema {
  const ui: UiSchema = {};
  for (const [name, property] of Object.entries(schema.properties ?? {})) {
    if (typeof property !== 'object' || property === null) continue;
    const items = property.items;
    if (
      property.type === 'array' &&
      property.uniqueItems &&
      items &&
      typeof items === 'object' &&
      !Array.isArray(items) &&
      items.enum
    )
      ui[name] = { 'ui:widget': 'checkboxes', 'ui:options': { inline: true } };
  }
  return ui;
}
