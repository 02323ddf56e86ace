"""A validator for the small part of XML Schema the DDS-Security schemas use (no lxml on the build machine):
sequence, choice and all of elements with minOccurs/maxOccurs, and simple types restricted by enumeration."""

import re
import xml.etree.ElementTree as ET

XS = '{http://www.w3.org/2001/XMLSchema}'
BUILTIN = {
    'xs:string': re.compile(r'.*', re.S),
    'xs:boolean': re.compile(r'true|false|1|0'),
    'xs:nonNegativeInteger': re.compile(r'\+?[0-9]+'),
    'xs:dateTime': re.compile(r'-?[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?'
                              r'(Z|[+-][0-9]{2}:[0-9]{2})?'),
}


class Schema:
    def __init__(self, path):
        root = ET.parse(path).getroot()
        self.complex = {t.get('name'): t for t in root.findall(f'{XS}complexType')}
        self.simple = {t.get('name'): t for t in root.findall(f'{XS}simpleType')}
        self.roots = {e.get('name'): e.get('type') for e in root.findall(f'{XS}element')}

    def validate(self, document: bytes) -> list[str]:
        element = ET.fromstring(document)
        if element.tag not in self.roots:
            return [f'root element {element.tag} not declared']
        problems = []
        self._check(element, self.roots[element.tag], element.tag, problems)
        return problems

    def _check(self, element, type_name, path, problems):
        if type_name not in self.complex:
            self._check_simple((element.text or '').strip(), type_name, path, problems)
            if len(element):
                problems.append(f'{path}: simple type with child elements')
            return
        model = next(c for c in self.complex[type_name] if c.tag in (f'{XS}sequence', f'{XS}choice', f'{XS}all'))
        declared = {e.get('name'): e.get('type') for e in model.iter(f'{XS}element')}
        names = [child.tag for child in element]
        if (element.text or '').strip():
            problems.append(f'{path}: text in element-only content')
        if model.tag == f'{XS}all':
            required = {e.get('name') for e in model.iter(f'{XS}element') if e.get('minOccurs', '1') != '0'}
            if len(set(names)) != len(names) or not required <= set(names) or not set(names) <= set(declared):
                problems.append(f'{path}: children {names} do not fit xs:all of {sorted(declared)}')
        elif not re.fullmatch(self._regex(model), ''.join(f'<{n}>' for n in names)):
            problems.append(f'{path}: children {names} do not fit {type_name}')
        for child in element:
            if child.tag in declared:
                self._check(child, declared[child.tag], f'{path}/{child.tag}', problems)

    def _check_simple(self, text, type_name, path, problems):
        if type_name in BUILTIN:
            if not BUILTIN[type_name].fullmatch(text):
                problems.append(f'{path}: {text!r} is not {type_name}')
            return
        restriction = self.simple[type_name].find(f'{XS}restriction')
        allowed = [e.get('value') for e in restriction.findall(f'{XS}enumeration')]
        if allowed and text not in allowed:
            problems.append(f'{path}: {text!r} not one of {allowed}')
        self._check_simple(text, restriction.get('base'), path, problems)

    def _regex(self, particle):
        kind = particle.tag[len(XS):]
        if kind == 'element':
            body = f'(?:<{re.escape(particle.get("name"))}>)'
        else:
            parts = [self._regex(c) for c in particle if c.tag.startswith(XS)]
            body = '(?:' + ('|' if kind == 'choice' else '').join(parts) + ')'
        low, high = particle.get('minOccurs', '1'), particle.get('maxOccurs', '1')
        return body + '{' + low + ',' + ('' if high == 'unbounded' else high) + '}'
