from setuptools import find_packages, setup

package_name = 'fracturescope_uplink'

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
    description='Alerts to a remote operator over MQTT through a durable outbox; signed commands back.',
    license='Apache-2.0',
    entry_points={
        'console_scripts': [
            'uplink_node = fracturescope_uplink.nodes.uplink_node:main',
        ],
    },
)
