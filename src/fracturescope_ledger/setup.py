from setuptools import find_packages, setup

package_name = 'fracturescope_ledger'

setup(
    name=package_name,
    version='0.1.0',
    packages=find_packages(exclude=['test']),
    data_files=[
        ('share/ament_index/resource_index/packages', ['resource/' + package_name]),
        ('share/' + package_name, ['package.xml', 'README.md']),
    ],
    install_requires=['setuptools'],
    zip_safe=True,
    maintainer='FractureScope maintainers',
    maintainer_email='maintainers@fracturescope.dev',
    description='Hash-linked, Merkle-tree, Ed25519-checkpointed, crash-safe inspection ledger.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'ledger_node = fracturescope_ledger.nodes.ledger_node:main',
            'fracturescope-ledger = fracturescope_ledger.cli:main',
        ],
    },
)
